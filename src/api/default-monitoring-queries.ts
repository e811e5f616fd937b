// PLACEHOLDER until H1's default query set lands (H1's version of this file wins at merge).
export const DEFAULT_MONITORING_QUERIES = `
pg_postmaster:
  query: "SELECT extract(epoch from pg_postmaster_start_time()) AS start_time"
  metrics:
    - start_time:
        usage: GAUGE
        description: Time at which postgres started (based on epoch)
`;

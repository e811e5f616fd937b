// The output-formatting layer of the cnpg CLI: kubectl-style tables, -o formats, JSONPath,
// selectors, describe and `cnpg status`. Everything here is pure: objects in, text out.

export { formatAge, humanDuration } from './age.js';
export { describeObject, type EventRecord } from './describe.js';
export { FormatError, JsonPathError, OutputFormatError, SelectorError } from './errors.js';
export {
  evaluateJsonPathTemplate,
  evaluateJsonPathTemplateAsJson,
  findJsonPathResults,
  parseJsonPathTemplate,
  type JsonPathOptions,
} from './jsonpath.js';
export { ALLOWED_FORMATS, formatOutput, parseOutputFormat, type FormatOutputOptions, type OutputFormat } from './output.js';
export { noResourcesMessage, printTable, type PrintTableOptions } from './printers.js';
export { qualifiedName, resourceTypeName } from './resource-names.js';
export {
  formatLabelSelector,
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  SUPPORTED_FIELDS,
  type FieldRequirement,
  type FieldSelector,
  type LabelRequirement,
  type LabelSelector,
} from './selector.js';
export {
  renderClusterStatus,
  renderClusterStatusJson,
  type ClusterStatusOptions,
  type ClusterStatusReport,
  type InstanceStatusReport,
} from './status.js';
export { renderTable, type TableOptions } from './table.js';

// The shared tail of every bench entry point: bad flags exit 2 with the parser's message, a
// failed run exits 1, and a finished one exits 0 even if a library left a handle open.
export function runBench<O>(parseArgs: (argv: string[]) => O, main: (options: O) => Promise<void>): void {
  let options: O;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  main(options).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

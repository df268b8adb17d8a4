/**
 * A benchmark's entry point: runs main and exits with the code it returns, or
 * with 1 after printing what it threw.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

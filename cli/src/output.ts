/** Where commands write: the process streams in the bin, buffers in tests. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stderr is a terminal: progress lines are rewritten in place. */
  isTTY?: boolean;
}

export const processOutput: Output = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  isTTY: process.stderr.isTTY,
};

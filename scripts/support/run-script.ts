/**
 * Runs a command-line task: an error the operator can fix (bad configuration, unreachable or unmigrated
 * database) is printed as its one-line message on stderr; anything else with its stack. Exit code 1 either way.
 */
export async function runScript(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    console.error(isOperatorError(error) ? error.message : error);
    process.exitCode = 1;
  }
}

/** Matched by name, not instanceof: see docs/decisions/002-own-server.md on the two copies of lib/. */
function isOperatorError(error: unknown): error is Error {
  return error instanceof Error && (error.name === "ConfigError" || error.name === "DatabaseOpenError");
}

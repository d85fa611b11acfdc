// Command-line entry point: parses argv, builds the real objects (file
// system, index, models) and runs one command. Exit codes:
//   0 done (per-file failures are reported, not fatal)
//   1 fatal error, or --max-failures exceeded
//   2 usage or configuration error (bad flag, bad model folder, missing dir)
//   3 index busy (another build holds it and --no-wait was given)
//   4 the index has no embeddings for the requested model (search)
//   130 interrupted (SIGINT/SIGTERM)
#ifndef PHOTOIDX_CLI_CLI_H_
#define PHOTOIDX_CLI_CLI_H_

namespace photoidx::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitUsage = 2,
  kExitBusy = 3,
  kExitNoEmbeddings = 4,
  kExitInterrupted = 130,
};

int Run(int argc, char** argv);

}  // namespace photoidx::cli

#endif  // PHOTOIDX_CLI_CLI_H_

// The photoidx subcommands. Each Add*Command registers its flags on the
// CLI11 app and returns a function that runs it after parsing.
#ifndef PHOTOIDX_CLI_COMMANDS_H_
#define PHOTOIDX_CLI_COMMANDS_H_

#include <functional>

#include "cli/common.h"

namespace CLI {
class App;
}

namespace photoidx::cli {

using CommandFn = std::function<int()>;

CommandFn AddBuildCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddInfoCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddSearchCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddEmbedCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddCaptionCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddStatsCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddGcCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddDupesCommand(CLI::App& app, const GlobalOptions& global);
CommandFn AddExportCommand(CLI::App& app, const GlobalOptions& global);

}  // namespace photoidx::cli

#endif  // PHOTOIDX_CLI_COMMANDS_H_

#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "core/image/image.h"

namespace photoidx::cli {
namespace {

constexpr const char* kFooter = R"(Exit codes:
  0    done (files that could not be read are reported, not fatal)
  1    fatal error, or more than --max-failures files failed
  2    usage or configuration error (bad flag, missing folder, bad model)
  3    index busy: another build holds it and --no-wait was given
  4    the index has no embeddings for the requested model (search, dupes --near)
  130  interrupted (Ctrl-C); everything committed so far is kept

Index location: --index FILE, else $PHOTOIDX_INDEX, else
$XDG_DATA_HOME/photoidx/index.db, else ~/.local/share/photoidx/index.db.)";

void AddGlobalFlags(CLI::App& app, GlobalOptions& g) {
  app.add_option("--index", g.index, "Index file (see 'Index location' below)");
  app.add_option("--log-format", g.log_format, "Log lines on stderr: text or json (JSON lines)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-q,--quiet", g.quiet, "Only warnings and errors on stderr");
  app.add_flag("-v,--verbose", g.verbose, "Debug lines on stderr");
}

}  // namespace

int Run(int argc, char** argv) {
  try {
    CLI::App app{"photoidx: index folders of photos and search them by text or by image.\n"
                 "Run 'photoidx COMMAND --help' for the flags of one command."};
    app.name("photoidx");
    app.footer(kFooter);
    app.require_subcommand(1);
    app.set_version_flag("--version", "photoidx 0.1.0");
    // Explicit path only: no config file is read from the current folder.
    app.set_config("--config", "", "TOML file with defaults, one [section] per command "
                   "(configs/photoidx.toml); flags override it");
    app.allow_config_extras(CLI::config_extras_mode::error);
    GlobalOptions global;
    std::map<CLI::App*, CommandFn> commands;
    auto add = [&](auto adder) {
      const size_t before = app.get_subcommands({}).size();
      CommandFn fn = adder(app, global);
      CLI::App* sub = app.get_subcommands({})[before];
      AddGlobalFlags(*sub, global);
      sub->footer(kFooter);
      sub->fallthrough();  // --config and friends may follow the command name
      commands[sub] = std::move(fn);
    };
    add(AddBuildCommand);
    add(AddSearchCommand);
    add(AddInfoCommand);
    add(AddEmbedCommand);
    add(AddCaptionCommand);
    add(AddStatsCommand);
    add(AddGcCommand);
    add(AddDupesCommand);
    add(AddExportCommand);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);
      return code == 0 ? kExitOk : kExitUsage;
    }
    image::InitImageLibraries();
    for (auto& [sub, fn] : commands) {
      if (sub->parsed()) return fn();
    }
    return kExitUsage;
  } catch (const std::exception& e) {
    // Last resort: adapters turn library errors into Status values, so this
    // is a bug, but it still ends with a message and an exit code.
    PrintError(std::string("internal error: ") + e.what());
    return kExitFailure;
  }
}

}  // namespace photoidx::cli

// Pieces shared by the photoidx commands: index location, signals, progress,
// logging setup, and mapping a Status to an exit code.
#ifndef PHOTOIDX_CLI_COMMON_H_
#define PHOTOIDX_CLI_COMMON_H_

#include <atomic>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "core/base/logger.h"
#include "core/base/status.h"
#include "core/index/index_store.h"

namespace photoidx::cli {

// Options every command accepts.
struct GlobalOptions {
  std::string index;               // --index
  std::string log_format = "text"; // --log-format text|json
  bool quiet = false;              // -q: warnings and errors only
  bool verbose = false;            // -v: debug lines too
};

// --index, else $PHOTOIDX_INDEX, else $XDG_DATA_HOME/photoidx/index.db,
// else ~/.local/share/photoidx/index.db.
std::string ResolveIndexPath(const std::string& flag);

std::unique_ptr<Logger> MakeLogger(const GlobalOptions& g);

// Installs SIGINT/SIGTERM handlers that set the returned flag (a second
// signal kills the process the default way).
const std::atomic<bool>* InstallInterruptHandler();

// OK -> 0; InvalidArgument/NotFound/NotSupported (config errors) -> 2;
// Busy -> 3; Interrupted -> 130; everything else -> 1.
int ExitCodeFor(const Status& st);

// Prints "photoidx: <message>" on stderr.
void PrintError(const std::string& message);

// True when stderr is a terminal (progress bars only then).
bool StderrIsTerminal();

// After a writer changed the index: brings the mmapped vector file of every
// CLIP model up to date (index::RefreshVectorFile; a no-op when current),
// so that the next search skips reading embeddings from SQLite. A failure is
// a warning: search then reads the index.
void RefreshVectorFiles(index::IndexStore& store, const std::string& index_path, Logger& log);

}  // namespace photoidx::cli

#endif  // PHOTOIDX_CLI_COMMON_H_

#include "cli/common.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "core/index/vector_file.h"

namespace photoidx::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int sig) {
  if (g_interrupted.exchange(true)) {
    // Second signal: the user means it.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

std::string ResolveIndexPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (std::string v = Env("PHOTOIDX_INDEX"); !v.empty()) return v;
  if (std::string v = Env("XDG_DATA_HOME"); !v.empty()) return v + "/photoidx/index.db";
  return Env("HOME") + "/.local/share/photoidx/index.db";
}

std::unique_ptr<Logger> MakeLogger(const GlobalOptions& g) {
  LogLevel min = g.quiet ? LogLevel::kWarn : (g.verbose ? LogLevel::kDebug : LogLevel::kInfo);
  if (g.log_format == "json") return NewJsonLogger(stderr, min);
  return NewTextLogger(stderr, min);
}

const std::atomic<bool>* InstallInterruptHandler() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_interrupted;
}

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
    case Status::Code::kNotSupported: return kExitUsage;
    case Status::Code::kBusy: return kExitBusy;
    case Status::Code::kInterrupted: return kExitInterrupted;
    default: return kExitFailure;
  }
}

void PrintError(const std::string& message) {
  std::fprintf(stderr, "photoidx: %s\n", message.c_str());
}

bool StderrIsTerminal() { return ::isatty(2) == 1; }

void RefreshVectorFiles(index::IndexStore& store, const std::string& index_path, Logger& log) {
  auto models = store.ListModels("clip");
  if (!models.ok()) return;
  for (const index::ModelRow& m : *models) {
    const std::string path = index::VectorFilePath(index_path, m.fingerprint);
    const auto start = std::chrono::steady_clock::now();
    Result<bool> wrote = index::RefreshVectorFile(store, m.fingerprint, path);
    if (!wrote.ok()) {
      log.Warn("vectors", path, wrote.status().ToString() + " (search reads the index instead)");
    } else if (*wrote) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      log.Info("vectors: wrote " + path + " in " + std::to_string(s).substr(0, 5) + " s");
    }
  }
}

}  // namespace photoidx::cli

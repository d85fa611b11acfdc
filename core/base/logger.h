// Logger: levelled, structured log lines on stderr (never stdout, which
// carries results only). Two sinks: readable text and JSON lines
// (`--log-format json`). Every record may carry a stage and a path, and
// extra fields whose values are already-encoded JSON.
//
// Thread safety: Log() may be called from several threads; each record is
// written whole.
#ifndef PHOTOIDX_CORE_BASE_LOGGER_H_
#define PHOTOIDX_CORE_BASE_LOGGER_H_

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace photoidx {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };
const char* LogLevelName(LogLevel level);

struct LogField {
  std::string key;
  std::string json_value;  // e.g. "12", "\"text\"", "1.5"
};

struct LogRecord {
  LogLevel level = LogLevel::kInfo;
  std::string_view event;    // "stage", "failure", "summary", "message", ...
  std::string_view stage;    // "scan", "hash", "decode", "embed", ...
  std::string_view path;     // raw bytes
  std::string_view message;  // human text
  std::vector<LogField> fields;
};

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(const LogRecord& record) = 0;

  void Warn(std::string_view stage, std::string_view path, std::string_view message);
  void Info(std::string_view message);
};

// Text: "warn decode /photos/x.jpg: corruption: jpeg: premature end".
// Records below min_level are dropped. `sink` is not owned.
std::unique_ptr<Logger> NewTextLogger(std::FILE* sink, LogLevel min_level = LogLevel::kInfo);
// One JSON object per line: {"level":..,"event":..,"stage":..,"path":..,"msg":..,<fields>}.
std::unique_ptr<Logger> NewJsonLogger(std::FILE* sink, LogLevel min_level = LogLevel::kInfo);
// Drops everything (tests, --quiet).
std::unique_ptr<Logger> NewNullLogger();

// Keeps records in memory (tests).
class MemLogger final : public Logger {
 public:
  struct Entry {
    LogLevel level;
    std::string event, stage, path, message;
  };
  void Log(const LogRecord& r) override;
  std::vector<Entry> entries() const;

 private:
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

}  // namespace photoidx

#endif  // PHOTOIDX_CORE_BASE_LOGGER_H_

#include "core/base/logger.h"

#include "core/base/strings.h"

namespace photoidx {
namespace {

// One line per record on a stdio sink, whole lines under a lock so that
// worker threads never interleave.
class LineLogger : public Logger {
 public:
  LineLogger(std::FILE* sink, LogLevel min) : sink_(sink), min_(min) {}
  void Log(const LogRecord& r) override {
    if (r.level < min_) return;
    std::string line = Format(r);
    line += '\n';
    std::lock_guard<std::mutex> lock(mu_);
    std::fputs(line.c_str(), sink_);
    std::fflush(sink_);
  }

 private:
  virtual std::string Format(const LogRecord& r) const = 0;

  std::FILE* sink_;
  LogLevel min_;
  std::mutex mu_;
};

class TextLogger final : public LineLogger {
 public:
  using LineLogger::LineLogger;

 private:
  std::string Format(const LogRecord& r) const override {
    std::string line = LogLevelName(r.level);
    if (!r.stage.empty()) line.append(" ").append(r.stage);
    if (!r.path.empty()) line.append(" ").append(LossyUtf8(r.path)).append(":");
    if (!r.message.empty()) line.append(" ").append(r.message);
    return line;
  }
};

class JsonLogger final : public LineLogger {
 public:
  using LineLogger::LineLogger;

 private:
  std::string Format(const LogRecord& r) const override {
    std::string line = "{\"level\":" + JsonQuote(LogLevelName(r.level));
    line += ",\"event\":" + JsonQuote(r.event.empty() ? "message" : r.event);
    if (!r.stage.empty()) line += ",\"stage\":" + JsonQuote(r.stage);
    if (!r.path.empty()) {
      line += ",\"path\":" + JsonQuote(r.path);
      if (!IsValidUtf8(r.path)) line += ",\"path_b64\":" + JsonQuote(Base64Encode(r.path));
    }
    if (!r.message.empty()) line += ",\"msg\":" + JsonQuote(r.message);
    for (const auto& f : r.fields) line += "," + JsonQuote(f.key) + ":" + f.json_value;
    return line + "}";
  }
};

class NullLogger final : public Logger {
 public:
  void Log(const LogRecord&) override {}
};

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void Logger::Warn(std::string_view stage, std::string_view path, std::string_view message) {
  LogRecord r;
  r.level = LogLevel::kWarn;
  r.event = "failure";
  r.stage = stage;
  r.path = path;
  r.message = message;
  Log(r);
}

void Logger::Info(std::string_view message) {
  LogRecord r;
  r.message = message;
  Log(r);
}

std::unique_ptr<Logger> NewTextLogger(std::FILE* sink, LogLevel min_level) {
  return std::make_unique<TextLogger>(sink, min_level);
}
std::unique_ptr<Logger> NewJsonLogger(std::FILE* sink, LogLevel min_level) {
  return std::make_unique<JsonLogger>(sink, min_level);
}
std::unique_ptr<Logger> NewNullLogger() { return std::make_unique<NullLogger>(); }

void MemLogger::Log(const LogRecord& r) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back({r.level, std::string(r.event), std::string(r.stage), std::string(r.path),
                      std::string(r.message)});
}

std::vector<MemLogger::Entry> MemLogger::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_;
}

}  // namespace photoidx

// The build summary as JSON (`build --json`). Written by hand with
// JsonQuote so that any file name, valid UTF-8 or not, gives valid JSON
// (see core/base/strings.h for the path_b64 rule).
#include <cstdio>

#include "core/base/strings.h"
#include "core/pipeline/build.h"

namespace photoidx::pipeline {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string StageJson(const metrics::StageStats& s) {
  std::string out = "{\"name\":" + JsonQuote(s.name);
  out += ",\"items\":" + std::to_string(s.items);
  out += ",\"failed\":" + std::to_string(s.failed);
  out += ",\"wall_s\":" + Num(s.wall_seconds);
  out += ",\"per_s\":" + Num(s.items_per_second());
  if (s.model_seconds > 0 || s.load_seconds > 0) {
    out += ",\"load_s\":" + Num(s.load_seconds);
    out += ",\"model_s\":" + Num(s.model_seconds);
    out += ",\"decode_wait_s\":" + Num(s.decode_wait_seconds);
    out += ",\"decode_cpu_s\":" + Num(s.decode_cpu_seconds);
  }
  out += ",\"rss_bytes\":" + std::to_string(s.memory_after.rss_bytes);
  out += ",\"peak_rss_bytes\":" + std::to_string(s.memory_after.peak_rss_bytes);
  out += ",\"rss_before_bytes\":" + std::to_string(s.memory_before.rss_bytes);
  if (s.accelerator_after.available) {
    out += ",\"cuda_allocated_bytes\":" + std::to_string(s.accelerator_after.allocated_bytes);
    out += ",\"cuda_reserved_bytes\":" + std::to_string(s.accelerator_after.reserved_bytes);
    out += ",\"cuda_peak_bytes\":" + std::to_string(s.accelerator_after.peak_allocated_bytes);
  }
  return out + "}";
}

std::string FailureJson(const FailureRecord& f) {
  std::string out = "{\"path\":" + JsonQuote(f.path);
  if (!IsValidUtf8(f.path)) out += ",\"path_b64\":" + JsonQuote(Base64Encode(f.path));
  out += ",\"stage\":" + JsonQuote(f.stage);
  out += ",\"reason\":" + JsonQuote(f.reason);
  return out + "}";
}

}  // namespace

std::string SummaryToJson(const BuildSummary& s) {
  std::string out = "{\"run_id\":" + std::to_string(s.run_id);
  out += ",\"counts\":{";
  const std::pair<const char*, int64_t> counts[] = {
      {"seen", s.seen},       {"unchanged", s.unchanged},
      {"new", s.new_files},   {"changed", s.changed},
      {"hashed", s.hashed},   {"reused", s.reused},
      {"decoded", s.decoded}, {"ignored", s.ignored},
      {"failed", s.failed},   {"warned", s.warned},   {"missing", s.missing},
      {"embedded", s.embedded}, {"embeddings_reused", s.embeddings_reused},
      {"captioned", s.captioned}, {"captions_reused", s.captions_reused}};
  bool first = true;
  for (const auto& [k, v] : counts) {
    out += (first ? "" : ",") + JsonQuote(k) + ":" + std::to_string(v);
    first = false;
  }
  out += "},\"interrupted\":";
  out += s.interrupted ? "true" : "false";
  out += ",\"wall_s\":" + Num(s.wall_seconds);
  out += ",\"stages\":[";
  for (size_t i = 0; i < s.stages.size(); ++i) out += (i ? "," : "") + StageJson(s.stages[i]);
  out += "],\"failures\":[";
  for (size_t i = 0; i < s.failures.size(); ++i) out += (i ? "," : "") + FailureJson(s.failures[i]);
  return out + "]}";
}

}  // namespace photoidx::pipeline

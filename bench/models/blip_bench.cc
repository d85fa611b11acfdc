// blip_bench: BLIP-base captioning speed at the real shapes with random
// weights written by the bench (no download): vision 768 wide, 12 layers,
// patch 16, 384 px; BERT-base text decoder, 12 layers, 768 wide, 12 heads
// (Salesforce/blip-image-captioning-base), vocabulary 30524.
//
// Reports, per dtype (fp32, bf16) and batch size (1, 8):
//   vision ms/img and its GFLOP/s as a fraction of the GEMM GFLOP/s measured
//   in the same run; decoder ms per generated token (greedy step, per row);
//   ms per caption for greedy 20 tokens and beam 3 (20 tokens), vision
//   included (min_length = max_length forces full-length captions). On
//   CUDA also the captions with eager decoder steps (no CUDA graphs).
//
// Usage: blip_bench [--iters N] [--threads N] [--dtypes fp32,bf16,fp16] [--batches 1,8]
//                   [--device cpu|cuda] [--heap reuse|default] [--write-model DIR]
// --heap default leaves glibc malloc untuned, for a before/after comparison
// with the tuning photoidx applies when it loads its models
// (metrics::KeepFreedMemoryForReuse).
// Timings are the minimum over N runs (default 2) after one warm-up.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include "core/models/blip/blip_generator.h"
#include "core/models/blip/static_step.h"
#include "core/models/hf/safetensors.h"
#include "bench/models/bench_device.h"
#include "core/metrics/memory.h"
#include "core/models/hf/preprocessor_config.h"
#include "core/models/torch/device.h"
#include "core/models/torch/pixel_values.h"

namespace photoidx::models::blip {
namespace {

struct Args {
  int iters = 2;
  int threads = 0;
  std::vector<std::string> dtypes = {"fp32", "bf16"};
  std::vector<int> batches = {1, 8};
  std::string device = "cpu";
  std::string write_model;  // write the random checkpoint folder here and exit
  bool tune_heap = true;
};

// The bench's device (--device), set once in main.
at::Device g_device(at::kCPU);

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--iters") a.iters = std::max(1, std::stoi(v));
    if (k == "--threads") a.threads = std::stoi(v);
    if (k == "--dtypes") a.dtypes = Split(v);
    if (k == "--device") a.device = v;
    if (k == "--write-model") a.write_model = v;
    if (k == "--heap") a.tune_heap = v != "default";
    if (k == "--batches") {
      a.batches.clear();
      for (const std::string& b : Split(v)) a.batches.push_back(std::stoi(b));
    }
  }
  return a;
}

BlipConfig BaseConfig() {
  BlipConfig c;  // the defaults are BLIP-base's
  c.text.num_attention_heads = 12;  // Salesforce/blip-image-captioning-base
  c.text.encoder_hidden_size = c.vision.hidden_size;
  return c;
}

// (name, shape) of every tensor of a BlipForConditionalGeneration checkpoint.
std::vector<std::pair<std::string, std::vector<int64_t>>> TensorList(const BlipConfig& c) {
  const int64_t vh = c.vision.hidden_size, vf = c.vision.intermediate_size;
  const int64_t th = c.text.hidden_size, tf = c.text.intermediate_size, v = c.text.vocab_size;
  const int64_t p = c.vision.patch_size;
  std::vector<std::pair<std::string, std::vector<int64_t>>> t = {
      {"vision_model.embeddings.class_embedding", {1, 1, vh}},
      {"vision_model.embeddings.patch_embedding.weight", {vh, 3, p, p}},
      {"vision_model.embeddings.patch_embedding.bias", {vh}},
      {"vision_model.embeddings.position_embedding", {1, c.vision.num_positions(), vh}},
      {"vision_model.post_layernorm.weight", {vh}},
      {"vision_model.post_layernorm.bias", {vh}},
      {"text_decoder.bert.embeddings.word_embeddings.weight", {v, th}},
      {"text_decoder.bert.embeddings.position_embeddings.weight",
       {c.text.max_position_embeddings, th}},
      {"text_decoder.bert.embeddings.LayerNorm.weight", {th}},
      {"text_decoder.bert.embeddings.LayerNorm.bias", {th}},
      {"text_decoder.cls.predictions.transform.dense.weight", {th, th}},
      {"text_decoder.cls.predictions.transform.dense.bias", {th}},
      {"text_decoder.cls.predictions.transform.LayerNorm.weight", {th}},
      {"text_decoder.cls.predictions.transform.LayerNorm.bias", {th}},
      {"text_decoder.cls.predictions.decoder.weight", {v, th}},
      {"text_decoder.cls.predictions.bias", {v}}};
  auto linear = [&](const std::string& n, int64_t out, int64_t in) {
    t.push_back({n + ".weight", {out, in}});
    t.push_back({n + ".bias", {out}});
  };
  for (int64_t i = 0; i < c.vision.num_hidden_layers; ++i) {
    const std::string n = "vision_model.encoder.layers." + std::to_string(i) + ".";
    linear(n + "layer_norm1", vh, 0);
    linear(n + "layer_norm2", vh, 0);
    linear(n + "self_attn.qkv", 3 * vh, vh);
    linear(n + "self_attn.projection", vh, vh);
    linear(n + "mlp.fc1", vf, vh);
    linear(n + "mlp.fc2", vh, vf);
  }
  for (int64_t i = 0; i < c.text.num_hidden_layers; ++i) {
    const std::string n = "text_decoder.bert.encoder.layer." + std::to_string(i) + ".";
    for (const char* s : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense", "crossattention.self.query",
                          "crossattention.output.dense"}) {
      linear(n + s, th, th);
    }
    linear(n + "crossattention.self.key", th, vh);
    linear(n + "crossattention.self.value", th, vh);
    for (const char* s : {"attention.output.LayerNorm", "crossattention.output.LayerNorm",
                          "output.LayerNorm"}) {
      linear(n + s, th, 0);
    }
    linear(n + "intermediate.dense", tf, th);
    linear(n + "output.dense", th, tf);
  }
  for (auto& [name, shape] : t) {
    if (shape.size() == 2 && shape[1] == 0) shape.pop_back();  // LayerNorm: 1-D
  }
  return t;
}

// A float32 safetensors image of random weights: LayerNorm weights 1,
// biases small, matrices N(0, 1/fan_in), embeddings N(0, 0.02^2).
std::vector<uint8_t> RandomWeightBytes(const BlipConfig& c) {
  auto list = TensorList(c);
  std::string header = "{";
  size_t offset = 0;
  for (const auto& [name, shape] : list) {
    int64_t n = 1;
    std::string dims;
    for (int64_t d : shape) {
      n *= d;
      dims += (dims.empty() ? "" : ",") + std::to_string(d);
    }
    header += (header.size() > 1 ? "," : "") + ("\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" +
              dims + "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + n * 4) + "]}");
    offset += n * 4;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<uint8_t> bytes(8 + header.size() + offset);
  uint64_t hn = header.size();
  std::memcpy(bytes.data(), &hn, 8);
  std::memcpy(bytes.data() + 8, header.data(), header.size());
  uint8_t* data = bytes.data() + 8 + header.size();
  at::manual_seed(1234);
  for (const auto& [name, shape] : list) {
    at::Tensor t;
    const bool ln = name.find("LayerNorm") != std::string::npos ||
                    name.find("layer_norm") != std::string::npos;
    if (ln && name.ends_with(".weight")) {
      t = at::ones(shape);
    } else if (shape.size() == 1) {
      t = at::randn(shape) * 0.02;
    } else if (name.find("embedding") != std::string::npos) {
      t = at::randn(shape) * 0.02;
    } else {
      int64_t fan_in = 1;
      for (size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
      t = at::randn(shape) / std::sqrt(static_cast<double>(fan_in));
    }
    std::memcpy(data, t.data_ptr<float>(), t.numel() * 4);
    data += t.numel() * 4;
  }
  return bytes;
}

std::shared_ptr<hf::SafeTensors> RandomWeights(const BlipConfig& c) {
  auto st = hf::SafeTensors::FromBuffer(RandomWeightBytes(c), "random-blip-base");
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.status().ToString().c_str());
    std::exit(1);
  }
  return *st;
}

double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Minimum wall time of fn over `iters` runs after one warm-up, in ms.
double TimeMs(int iters, const std::function<void()>& fn) {
  fn();
  bench::Sync(g_device);
  double best = 1e300;
  for (int i = 0; i < iters; ++i) {
    double t0 = NowMs();
    fn();
    bench::Sync(g_device);
    best = std::min(best, NowMs() - t0);
  }
  return best;
}

// Best GEMM rate over a few runs (the machine may be shared: take the best).
double GemmGflops(at::ScalarType dtype, int64_t m, int64_t k, int64_t n) {
  at::Tensor a = at::randn({m, k}).to(g_device, dtype), b = at::randn({k, n}).to(g_device, dtype);
  at::Tensor c = at::mm(a, b);
  double ms = TimeMs(8, [&] { at::mm_out(c, a, b); });
  return 2.0 * m * k * n / (ms * 1e6);
}

// Multiply-adds of the vision tower for one image, x2 = FLOPs.
double VisionFlopsPerImage(const BlipVisionConfig& v) {
  const double n = static_cast<double>(v.num_positions()), h = v.hidden_size;
  const double f = v.intermediate_size, p = v.patch_size;
  double per_layer = n * h * 3 * h + n * h * h + 2 * n * h * f + 2 * n * n * h;
  return 2 * (v.num_hidden_layers * per_layer + v.num_patches() * 3 * p * p * h);
}

void Check(const Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    std::exit(1);
  }
}

void BenchDtype(const BlipConfig& config, const std::shared_ptr<hf::SafeTensors>& weights,
                at::ScalarType dtype, const Args& args) {
  const char* dn = torchutil::DTypeShortName(dtype);
  auto loaded = BlipGenerator::Load(config, weights, g_device, dtype);
  Check(loaded.status());
  const BlipGenerator& model = **loaded;
  c10::InferenceMode guard;
  // The vision tower runs one image at a time on the CPU: its big GEMM is
  // 577x768x3072.
  double gemm = GemmGflops(dtype, 1024, 1024, 1024);
  double gemm_linear = GemmGflops(dtype, 577, 768, 3072);
  std::printf("%s gemm: 1024^3 %.0f GFLOP/s, 577x768x3072 %.0f GFLOP/s\n", dn, gemm,
              gemm_linear);
  for (int b : args.batches) {
    at::Tensor pixels = at::randn({b, 3, 384, 384}).to(g_device);
    at::Tensor states;
    double vision_ms = TimeMs(args.iters, [&] { states = *model.EncodeImages(pixels); });
    const double gflops = VisionFlopsPerImage(config.vision) * b / (vision_ms * 1e6);
    // Re-measure the GEMM right after: on a shared machine the rate moves.
    gemm = std::max(gemm, GemmGflops(dtype, 1024, 1024, 1024));
    gemm_linear = std::max(gemm_linear, GemmGflops(dtype, 577, 768, 3072));
    std::printf("%s batch %d vision: %.1f ms/img, %.0f GFLOP/s = %.2f of GEMM 1024^3 (%.2f of "
                "577x768x3072, best %.0f/%.0f GFLOP/s)\n", dn, b, vision_ms / b, gflops,
                gflops / gemm, gflops / gemm_linear, gemm, gemm_linear);
    double kv_ms = TimeMs(args.iters, [&] { model.decoder().ProjectImage(states); });
    std::printf("%s batch %d image keys/values (once per image, 12 layers): %.1f ms/img\n", dn, b,
                kv_ms / b);
    // Full-length captions: min_length = max_length bars eos.
    GenerateOptions greedy{.prompt = {config.text.bos_token_id}, .num_beams = 1,
                           .max_length = 20, .min_length = 20};
    GenerateOptions beam = greedy;
    beam.num_beams = 3;
    double greedy_ms = TimeMs(args.iters, [&] { Check(model.Generate(states, greedy).status()); });
    double beam_ms = TimeMs(args.iters, [&] { Check(model.Generate(states, beam).status()); });
    std::printf("%s batch %d decoder: %.3f ms/token/img greedy (19 tokens), %.3f ms/token/img "
                "beam 3\n", dn, b, greedy_ms / 19 / b, beam_ms / 19 / b);
    const double greedy_img = (vision_ms + greedy_ms) / b, beam_img = (vision_ms + beam_ms) / b;
    std::printf("%s batch %d caption (vision + 20 tokens): greedy %.2f ms/img (%.1f img/s), "
                "beam 3 %.2f ms/img (%.1f img/s)\n", dn, b, greedy_img, 1e3 / greedy_img,
                beam_img, 1e3 / beam_img);
    if (g_device.is_cuda()) {
      // What recording the graph costs (once per generate call): the prompt
      // step, then the warm-up step and the capture.
      BlipImageKV image = model.decoder().ProjectImage(states);
      const double capture_ms = TimeMs(args.iters, [&] {
        BlipKVCache cache = model.decoder().NewCache(b, 20);
        model.decoder().Step(at::full({b, 1}, config.text.bos_token_id, at::kLong), image, &cache);
        auto step = StaticStep::Create(StepMode::kAuto, model.decoder(), image, &cache, false);
        Check(step != nullptr && step->graphed()
                  ? Status::OK()
                  : Status::NotSupported("blip_bench", "no CUDA graph"));
      });
      std::printf("%s batch %d prompt step + graph capture: %.2f ms per generate call\n", dn, b,
                  capture_ms);
      // The same captions with eager decoder steps, for the CUDA graphs ratio.
      greedy.steps = beam.steps = StepMode::kEager;
      const double eager_greedy =
          TimeMs(args.iters, [&] { Check(model.Generate(states, greedy).status()); });
      const double eager_beam =
          TimeMs(args.iters, [&] { Check(model.Generate(states, beam).status()); });
      greedy.steps = beam.steps = StepMode::kAuto;
      std::printf("%s batch %d eager steps (no CUDA graphs): greedy %.2f ms/img (%.1f img/s), "
                  "beam 3 %.2f ms/img (%.1f img/s); graphs %.2fx greedy, %.2fx beam 3\n", dn, b,
                  (vision_ms + eager_greedy) / b, 1e3 * b / (vision_ms + eager_greedy),
                  (vision_ms + eager_beam) / b, 1e3 * b / (vision_ms + eager_beam),
                  (vision_ms + eager_greedy) / (vision_ms + greedy_ms),
                  (vision_ms + eager_beam) / (vision_ms + beam_ms));
    }
    std::fflush(stdout);
  }
}

// Preprocessing a batch of 32 decoded photos (1008x756, what a 12 MP JPEG
// gives at DCT scale 1/4) into BLIP's 384x384 pixel values, on one intra-op
// thread and on all of them: a GPU captions such a batch in about 0.1 s.
void BenchPixelValues(int threads) {
  auto pre = hf::LoadPreprocessorConfig(std::string(PHOTOIDX_TEST_DATA) + "/models/blip-tiny");
  Check(pre.status());
  std::vector<image::Image> photos(32);
  std::vector<const image::Image*> ptrs;
  uint32_t seed = 1;
  for (image::Image& img : photos) {
    img.width = 1008, img.height = 756;
    img.pixels.resize(size_t(img.width) * img.height * 3);
    for (uint8_t& v : img.pixels) v = uint8_t((seed = seed * 1664525u + 1013904223u) >> 24);
    ptrs.push_back(&img);
  }
  for (int t : {1, threads}) {
    at::set_num_threads(t);
    double ms = TimeMs(3, [&] { Check(torchutil::PixelValues(ptrs, *pre).status()); });
    std::printf("pixel values, 32 photos 1008x756 -> 384x384: %.1f ms on %d thread(s)\n", ms, t);
  }
  at::set_num_threads(threads);
}

// A complete BLIP-base checkpoint folder with the random weights (for the
// whole-build bench); tokenizer and preprocessor files come from the tiny
// fixture model, which has BLIP-base's (vocabulary 30522 + [DEC], [ENC]; 384 px).
void WriteModelFolder(const BlipConfig& c, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  std::vector<uint8_t> bytes = RandomWeightBytes(c);
  std::ofstream(dir + "/model.safetensors", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  std::ofstream(dir + "/config.json")
      << "{\"architectures\":[\"BlipForConditionalGeneration\"],\"model_type\":\"blip\","
         "\"text_config\":{\"num_attention_heads\":" << c.text.num_attention_heads
      << "},\"vision_config\":{}}\n";
  const std::string src = std::string(PHOTOIDX_TEST_DATA) + "/models/blip-tiny/";
  for (const char* f : {"preprocessor_config.json", "vocab.txt", "tokenizer_config.json",
                        "special_tokens_map.json", "added_tokens.json"}) {
    fs::copy_file(src + f, dir + "/" + f, fs::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace photoidx::models::blip

int main(int argc, char** argv) {
  using namespace photoidx::models;
  blip::Args args = blip::ParseArgs(argc, argv);
  blip::g_device = photoidx::bench::ParseBenchDevice(args.device);
  const int threads = torchutil::SetTorchThreads(args.threads);
  if (args.tune_heap) photoidx::metrics::KeepFreedMemoryForReuse();
  std::printf("blip_bench: BLIP-base shapes, random weights, %s, %d threads, best of %d, cpu "
              "bf16 native: %s, heap %s\n", blip::g_device.str().c_str(), threads, args.iters,
              torchutil::CpuHasNativeBf16() ? "yes" : "no", args.tune_heap ? "reuse" : "default");
  blip::BlipConfig config = blip::BaseConfig();
  if (!args.write_model.empty()) {
    blip::WriteModelFolder(config, args.write_model);
    std::printf("wrote %s\n", args.write_model.c_str());
    return 0;
  }
  blip::BenchPixelValues(threads);
  auto weights = blip::RandomWeights(config);
  for (const std::string& d : args.dtypes) {
    blip::BenchDtype(config, weights, photoidx::bench::ParseBenchDType(d, blip::g_device), args);
  }
  return 0;
}

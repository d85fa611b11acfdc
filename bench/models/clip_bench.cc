// clip_bench: CLIP ViT-B/32 throughput at its real shapes (issue 4 item 10).
//
// Writes a randomly initialised openai/clip-vit-base-patch32-shaped
// checkpoint (vision 768 wide, 12 layers, patch 32, 224 px; text 512 wide,
// 12 layers; projection 512; float32 storage, ~600 MB) into a temporary
// folder, then measures in one run:
//   * the machine's GEMM rate, float32 and bfloat16: a 1024^3 matmul and the
//     ViT-B linear shape (1600 x 768 -> 3072, i.e. fc1 at batch 32);
//   * image embeddings/s of the vision tower on ready pixel_values at batch
//     1, 8, 32 per dtype, as model GFLOP/s and as a fraction of the GEMM
//     rate of the same dtype (linear shape);
//   * one text query's latency through the TextEmbedder (tokenizer
//     included) per dtype, and the full 77-position forward for contrast;
//   * RSS after loading the text embedder alone (vision weights unread) and
//     after loading the image embedder.
//
// Usage: clip_bench [--threads N] [--seconds S] [--dtypes fp32,bf16]
//                   [--batches 1,8,32] [--end-to-end] [--keep] [--device cpu|cuda]
//                   [--write-model DIR]
// Set the BLAS to OpenBLAS-openmp first (TOOLCHAIN.md "BLAS trap").
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/metrics/memory.h"
#include "core/models/clip/clip_loader.h"
#include "core/models/clip/clip_model.h"
#include "bench/models/bench_device.h"
#include "core/models/torch/device.h"

namespace {

using photoidx::models::clip::ClipConfig;
using photoidx::models::clip::ClipModelParts;
using Clock = std::chrono::steady_clock;

struct Args {
  int threads = 0;
  double seconds = 3.0;  // minimum measuring time per configuration
  std::vector<std::string> dtypes = {"fp32", "bf16"};
  std::vector<int> batches = {1, 8, 32};
  bool end_to_end = false;
  bool keep = false;  // leave the model folder in the temp directory
  std::string device = "cpu";
  std::string write_model;  // write the random checkpoint folder here and exit
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--threads")
      a.threads = std::stoi(next());
    else if (k == "--seconds")
      a.seconds = std::stod(next());
    else if (k == "--dtypes")
      a.dtypes = Split(next());
    else if (k == "--batches") {
      a.batches.clear();
      for (const auto& b : Split(next())) a.batches.push_back(std::stoi(b));
    } else if (k == "--end-to-end")
      a.end_to_end = true;
    else if (k == "--keep")
      a.keep = true;
    else if (k == "--device")
      a.device = next();
    else if (k == "--write-model")
      a.write_model = next();
    else {
      std::fprintf(stderr,
                   "usage: clip_bench [--threads N] [--seconds S] [--dtypes fp32,bf16] "
                   "[--batches 1,8,32] [--end-to-end] [--keep] [--device cpu|cuda] "
                   "[--write-model DIR]\n");
      std::exit(2);
    }
  }
  return a;
}

// Resident set now, in MiB.
double RssMiB() { return double(photoidx::metrics::ReadProcessMemory().rss_bytes) / 1048576.0; }

// Timings on a shared machine: the best run is the one least disturbed by
// other processes, so rates are reported from it (the mean is shown too).
struct Timing {
  double best = 1e300, total = 0;
  int runs = 0;
  void Add(double t) {
    best = std::min(best, t);
    total += t;
    ++runs;
  }
  double mean() const { return runs ? total / runs : 0; }
};

double TimeOnce(const std::function<void()>& fn) {
  auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs fn until `seconds` have passed (at least `min_runs` times) after one
// warm-up run.
Timing TimeRuns(const std::function<void()>& fn, double seconds, int min_runs = 3) {
  fn();
  Timing t;
  auto start = Clock::now();
  while (t.runs < min_runs ||
         std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    t.Add(TimeOnce(fn));
  }
  return t;
}

// The bench's device (--device), set once in main.
at::Device g_device(at::kCPU);

at::ScalarType ParseDType(const std::string& s) {
  return photoidx::bench::ParseBenchDType(s, g_device);
}

photoidx::models::Device ModelDevice() {
  return g_device.is_cuda() ? photoidx::models::Device::kCuda : photoidx::models::Device::kCpu;
}

photoidx::models::DType ModelDType(const std::string& name) {
  using photoidx::models::DType;
  if (name == "fp16") return DType::kFp16;
  return name == "bf16" ? DType::kBf16 : DType::kFp32;
}

double TimeSynced(const std::function<void()>& fn) {
  return TimeOnce([&] {
    fn();
    photoidx::bench::Sync(g_device);
  });
}

// ---------------------------------------------------------------- model files

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  double std;    // N(0, std), or a constant when std < 0
  double value;  // the constant
};

void AddLayers(std::vector<TensorSpec>& specs, const std::string& prefix, int64_t layers, int64_t h,
               int64_t f) {
  for (int64_t i = 0; i < layers; ++i) {
    std::string p = prefix + std::to_string(i) + ".";
    for (const char* ln : {"layer_norm1", "layer_norm2"}) {
      specs.push_back({p + ln + ".weight", {h}, -1, 1.0});
      specs.push_back({p + ln + ".bias", {h}, -1, 0.0});
    }
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      specs.push_back({p + "self_attn." + proj + ".weight", {h, h}, 0.02, 0});
      specs.push_back({p + "self_attn." + proj + ".bias", {h}, 0.02, 0});
    }
    specs.push_back({p + "mlp.fc1.weight", {f, h}, 0.02, 0});
    specs.push_back({p + "mlp.fc1.bias", {f}, 0.02, 0});
    specs.push_back({p + "mlp.fc2.weight", {h, f}, 0.02, 0});
    specs.push_back({p + "mlp.fc2.bias", {h}, 0.02, 0});
  }
}

std::vector<TensorSpec> VitB32Specs() {
  std::vector<TensorSpec> s;
  s.push_back({"logit_scale", {}, -1, std::log(100.0)});
  s.push_back({"text_model.embeddings.token_embedding.weight", {49408, 512}, 0.02, 0});
  s.push_back({"text_model.embeddings.position_embedding.weight", {77, 512}, 0.01, 0});
  AddLayers(s, "text_model.encoder.layers.", 12, 512, 2048);
  s.push_back({"text_model.final_layer_norm.weight", {512}, -1, 1.0});
  s.push_back({"text_model.final_layer_norm.bias", {512}, -1, 0.0});
  s.push_back({"text_projection.weight", {512, 512}, 0.04, 0});
  s.push_back({"vision_model.embeddings.class_embedding", {768}, 0.04, 0});
  s.push_back({"vision_model.embeddings.patch_embedding.weight", {768, 3, 32, 32}, 0.02, 0});
  s.push_back({"vision_model.embeddings.position_embedding.weight", {50, 768}, 0.02, 0});
  s.push_back({"vision_model.pre_layrnorm.weight", {768}, -1, 1.0});
  s.push_back({"vision_model.pre_layrnorm.bias", {768}, -1, 0.0});
  AddLayers(s, "vision_model.encoder.layers.", 12, 768, 3072);
  s.push_back({"vision_model.post_layernorm.weight", {768}, -1, 1.0});
  s.push_back({"vision_model.post_layernorm.bias", {768}, -1, 0.0});
  s.push_back({"visual_projection.weight", {512, 768}, 0.03, 0});
  return s;
}

std::string ShapeJson(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

void WriteSafetensors(const std::string& path, const std::vector<TensorSpec>& specs) {
  std::vector<at::Tensor> data;
  std::string header = "{\"__metadata__\":{\"format\":\"pt\"}";
  int64_t offset = 0;
  at::manual_seed(1234);
  for (const TensorSpec& t : specs) {
    at::Tensor v = t.std < 0 ? at::full(t.shape, t.value) : at::randn(t.shape) * t.std;
    int64_t bytes = v.numel() * 4;
    header += ",\"" + t.name + "\":{\"dtype\":\"F32\",\"shape\":" + ShapeJson(t.shape) +
              ",\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
    data.push_back(v.contiguous());
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::ofstream out(path, std::ios::binary);
  uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const at::Tensor& v : data) {
    out.write(static_cast<const char*>(v.data_ptr()), static_cast<std::streamsize>(v.numel() * 4));
  }
}

void CopyFile(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

// The random ViT-B/32 folder; tokenizer and preprocessor files come from
// the tiny fixture model (the real OpenAI files).
std::string WriteModel(std::string dir = "") {
  if (dir.empty()) {
    dir = (std::filesystem::temp_directory_path() / "photoidx-clip-bench-vitb32").string();
  }
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json")
      << "{\"architectures\":[\"CLIPModel\"],\"model_type\":\"clip\",\"projection_dim\":512,"
         "\"text_config\":{},\"vision_config\":{}}\n";
  WriteSafetensors(dir + "/model.safetensors", VitB32Specs());
  const std::string src = std::string(PHOTOIDX_TEST_DATA) + "/models/clip-tiny-quickgelu/";
  for (const char* f : {"preprocessor_config.json", "vocab.json", "merges.txt",
                        "tokenizer_config.json", "special_tokens_map.json"}) {
    CopyFile(src + f, dir + "/" + f);
  }
  return dir;
}

// ---------------------------------------------------------------- measures

// RSS growth from loading each embedder alone (float32), measured before
// anything else ran so that freed heap pages do not blur it.
void ReportLoadRss(const std::string& dir, int threads) {
  photoidx::models::ModelOptions o{.model = dir,
                                   .device = ModelDevice(),
                                   .dtype = photoidx::models::DType::kFp32,
                                   .threads = threads};
  malloc_trim(0);
  double base = RssMiB();
  {
    auto text = photoidx::models::clip::LoadClipTextEmbedder(o);
    if (!text.ok()) {
      std::fprintf(stderr, "load text: %s\n", text.status().ToString().c_str());
      std::exit(1);
    }
    std::printf("rss    text embedder alone (fp32): +%.0f MiB (text tower weights ~242 MiB)\n",
                RssMiB() - base);
  }
  malloc_trim(0);
  base = RssMiB();
  {
    auto image = photoidx::models::clip::LoadClipImageEmbedder(o);
    if (!image.ok()) {
      std::fprintf(stderr, "load image: %s\n", image.status().ToString().c_str());
      std::exit(1);
    }
    std::printf("rss    image embedder alone (fp32): +%.0f MiB (vision tower weights ~335 MiB)\n",
                RssMiB() - base);
  }
  malloc_trim(0);
}

// y = x W^T + b, x [m, k], W [n, k]: the model's Linear.
struct Gemm {
  Gemm(int64_t m, int64_t k, int64_t n, at::ScalarType dtype)
      : x(at::randn({m, k}).to(g_device, dtype)),
        w(at::randn({n, k}).to(g_device, dtype)),
        b(at::randn({n}).to(g_device, dtype)),
        gflop(2.0 * m * k * n / 1e9) {}
  void Run() const { at::addmm(b, x, w.t()); }
  at::Tensor x, w, b;
  double gflop;
};

// Best-run GFLOP/s.
double GemmGflops(int64_t m, int64_t k, int64_t n, at::ScalarType dtype, double seconds) {
  c10::InferenceMode guard;
  Gemm g(m, k, n, dtype);
  return g.gflop / TimeRuns([&] {
           g.Run();
           photoidx::bench::Sync(g_device);
         }, seconds).best;
}

// Forward FLOPs of the vision tower for one image (matmuls only).
double VisionGflopPerImage(const ClipConfig& c) {
  const double h = c.vision.hidden_size, f = c.vision.intermediate_size;
  const double n = c.vision.patches_per_side() * c.vision.patches_per_side(), s = n + 1;
  const double p = c.vision.patch_size;
  double per_layer = 2 * s * (4 * h * h + 2 * h * f) + 4 * s * s * h;
  return (2 * n * 3 * p * p * h + c.vision.num_hidden_layers * per_layer +
          2 * h * c.projection_dim) /
         1e9;
}

photoidx::models::torchutil::Placement BenchPlacement(at::ScalarType dtype, int threads) {
  photoidx::models::torchutil::Placement p;
  p.device = g_device;
  p.dtype = dtype;
  p.threads = photoidx::models::torchutil::SetTorchThreads(threads);
  return p;
}

void BenchImages(const std::string& dir, const Args& args, const std::string& dtype_name) {
  auto parts = photoidx::models::clip::LoadClipModel(
      dir, BenchPlacement(ParseDType(dtype_name), args.threads), true, false);
  if (!parts.ok()) {
    std::fprintf(stderr, "load: %s\n", parts.status().ToString().c_str());
    std::exit(1);
  }
  const double gflop = VisionGflopPerImage(parts->config);
  c10::InferenceMode guard;
  // The GEMM reference is measured interleaved with the model runs, so
  // both see the same machine load.
  for (int b : args.batches) {
    // The MLP's first linear at this batch (50 tokens per image), at least
    // the batch-32 shape so that small batches are judged against the same
    // CPU rate.
    Gemm gemm(std::max(1600, b * 50), 768, 3072, ParseDType(dtype_name));
    at::Tensor pixels = at::randn({b, 3, 224, 224}).to(g_device);
    auto forward = [&] {
      if (!parts->vision->Forward(pixels, false).ok()) std::abort();
    };
    forward();
    gemm.Run();
    Timing model, ref;
    auto start = Clock::now();
    while (model.runs < 3 ||
           std::chrono::duration<double>(Clock::now() - start).count() < args.seconds) {
      model.Add(TimeSynced(forward));
      for (int k = 0; k < 3; ++k) ref.Add(TimeSynced([&] { gemm.Run(); }));
    }
    const double ips = b / model.best, gemm_rate = gemm.gflop / ref.best;
    std::printf(
        "image  %-4s batch %3d  %7.1f img/s (mean %6.1f)  %8.1f ms/batch  %6.1f GFLOP/s  "
        "GEMM %6.1f  ratio %.2f\n",
        dtype_name.c_str(), b, ips, b / model.mean(), model.best * 1e3, ips * gflop, gemm_rate,
        ips * gflop / gemm_rate);
  }
}

// Reduced-precision (bf16, or fp16 on CUDA) vs float32 image embeddings of
// the same random pixels (the weights are random, so this shows the
// arithmetic, not a real model's ranking stability).
void ReportReducedDeviation(const std::string& dir, const Args& args, at::ScalarType reduced) {
  auto f32 = photoidx::models::clip::LoadClipModel(dir, BenchPlacement(at::kFloat, args.threads),
                                                   true, false);
  auto low = photoidx::models::clip::LoadClipModel(dir, BenchPlacement(reduced, args.threads),
                                                   true, false);
  if (!f32.ok() || !low.ok()) std::exit(1);
  c10::InferenceMode guard;
  at::Tensor pixels = at::randn({8, 3, 224, 224});
  at::Tensor a = f32->vision->Forward(pixels, false)->image_embeds.to(at::kCPU, at::kFloat);
  at::Tensor b = low->vision->Forward(pixels, false)->image_embeds.to(at::kCPU, at::kFloat);
  at::Tensor cos = (a / a.norm(2, -1, true) * (b / b.norm(2, -1, true))).sum(-1);
  std::printf(
      "%s vs fp32 image_embeds on %s (8 random images): min cosine %.5f, max abs %.3g "
      "(|x| max %.3g)\n",
      photoidx::models::torchutil::DTypeShortName(reduced), g_device.str().c_str(),
      cos.min().item<double>(), (a - b).abs().max().item<double>(), a.abs().max().item<double>());
}

void BenchText(const std::string& dir, const Args& args, const std::string& dtype_name) {
  using photoidx::models::DType;
  photoidx::models::ModelOptions o{.model = dir,
                                   .device = ModelDevice(),
                                   .dtype = ModelDType(dtype_name),
                                   .threads = args.threads};
  auto text = photoidx::models::clip::LoadClipTextEmbedder(o);
  if (!text.ok()) {
    std::fprintf(stderr, "load text: %s\n", text.status().ToString().c_str());
    std::exit(1);
  }
  const std::vector<std::string> query = {"a photo of a dog playing in the snow"};
  size_t tokens = (*text)->Tokenize(query[0]).size();
  Timing t = TimeRuns(
      [&] {
        if (!(*text)->EmbedTexts(query).ok()) std::abort();
      },
      args.seconds, 10);
  std::printf("text   %-4s one query (%zu tokens): %7.2f ms (mean %.2f)\n", dtype_name.c_str(),
              tokens, t.best * 1e3, t.mean() * 1e3);

  auto parts = photoidx::models::clip::LoadClipModel(
      dir, BenchPlacement(ParseDType(dtype_name), args.threads), false, true);
  at::Tensor ids = at::full({1, 77}, 49407, at::kLong);
  ids.narrow(1, 0, 8).fill_(320);
  ids[0][0] = 49406;
  c10::InferenceMode guard;
  Timing full = TimeRuns(
      [&] {
        if (!parts->text->Forward(ids, at::Tensor(), {.full_length = true}).ok()) std::abort();
        photoidx::bench::Sync(g_device);
      },
      args.seconds, 10);
  std::printf("text   %-4s same query over all 77 positions: %7.2f ms (mean %.2f; tower only)\n",
              dtype_name.c_str(), full.best * 1e3, full.mean() * 1e3);
}

void BenchEndToEnd(const std::string& dir, const Args& args, const std::string& dtype_name) {
  using photoidx::models::DType;
  photoidx::models::ModelOptions o{.model = dir,
                                   .device = ModelDevice(),
                                   .dtype = ModelDType(dtype_name),
                                   .threads = args.threads};
  auto emb = photoidx::models::clip::LoadClipImageEmbedder(o);
  if (!emb.ok()) std::exit(1);
  std::vector<photoidx::image::Image> images(32);
  at::Tensor noise = at::randint(0, 256, {427, 640, 3}, at::kByte);
  for (auto& im : images) {
    im.width = 640;
    im.height = 427;
    im.pixels.assign(noise.data_ptr<uint8_t>(), noise.data_ptr<uint8_t>() + noise.numel());
  }
  std::vector<const photoidx::image::Image*> ptrs;
  for (const auto& im : images) ptrs.push_back(&im);
  Timing t = TimeRuns(
      [&] {
        if (!(*emb)->EmbedImages(ptrs).ok()) std::abort();
      },
      args.seconds);
  std::printf("e2e    %-4s batch 32 of 640x427 RGB (preprocess + tower): %.1f img/s (mean %.1f)\n",
              dtype_name.c_str(), 32 / t.best, 32 / t.mean());
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  if (!args.write_model.empty()) {
    std::printf("wrote %s\n", WriteModel(args.write_model).c_str());
    return 0;
  }
  g_device = photoidx::bench::ParseBenchDevice(args.device);
  int threads = photoidx::models::torchutil::SetTorchThreads(args.threads);
  std::printf("clip_bench: ViT-B/32 shapes, random weights; %s, %d threads, cpu bf16 native: %s\n",
              g_device.str().c_str(), threads,
              photoidx::models::torchutil::CpuHasNativeBf16() ? "yes" : "no");
  auto t0 = Clock::now();
  std::string dir = WriteModel();
  std::printf("wrote %s in %.1f s\n", dir.c_str(),
              std::chrono::duration<double>(Clock::now() - t0).count());

  if (g_device.is_cpu()) ReportLoadRss(dir, args.threads);
  for (const std::string& d : args.dtypes) {
    at::ScalarType dt = ParseDType(d);
    double cube = GemmGflops(1024, 1024, 1024, dt, args.seconds / 2);
    double linear = GemmGflops(1600, 768, 3072, dt, args.seconds / 2);
    std::printf("gemm   %-4s 1024^3: %7.1f GFLOP/s   ViT linear 1600x768x3072: %7.1f GFLOP/s\n",
                d.c_str(), cube, linear);
    BenchImages(dir, args, d);
    BenchText(dir, args, d);
    if (args.end_to_end) BenchEndToEnd(dir, args, d);
  }
  auto has = [&](const char* d) {
    return std::find(args.dtypes.begin(), args.dtypes.end(), d) != args.dtypes.end();
  };
  if (has("fp32") && has("bf16")) ReportReducedDeviation(dir, args, at::kBFloat16);
  if (has("fp32") && has("fp16")) ReportReducedDeviation(dir, args, at::kHalf);
  if (!args.keep) std::filesystem::remove_all(dir);
  return 0;
}

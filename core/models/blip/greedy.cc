#include "core/models/blip/greedy.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <numeric>


namespace photoidx::models::blip {
namespace {

at::Tensor LongTensor(const std::vector<int64_t>& v, const at::Device& device) {
  return at::tensor(v, at::TensorOptions().dtype(at::kLong)).to(device);
}

// The prompt repeated for `rows` rows: int64 [rows, L].
at::Tensor PromptBatch(const std::vector<int64_t>& prompt, int64_t rows, const at::Device& device) {
  return LongTensor(prompt, device).view({1, -1}).expand({rows, -1}).contiguous();
}

// Each row's argmax, eos barred while the sequence (cur_len long) is
// shorter than min_length.
std::vector<int64_t> NextTokens(at::Tensor logits, int64_t cur_len, const GreedyOptions& options) {
  if (cur_len < options.min_length) {
    logits = logits.clone();  // the caller may hold the raw logits
    logits.select(1, options.eos_token_id).fill_(-std::numeric_limits<float>::infinity());
  }
  at::Tensor next = logits.argmax(-1).cpu();
  const int64_t* p = next.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + next.numel());
}

}  // namespace

std::vector<std::vector<int64_t>> GreedySearch(const BlipTextDecoder& decoder,
                                               const BlipImageKV& image,
                                               const std::vector<int64_t>& prompt,
                                               const GreedyOptions& options,
                                               const GreedyObserver& observer,
                                               StepWorkspace* workspace) {
  const int64_t n = image.images();
  const int64_t prompt_len = static_cast<int64_t>(prompt.size());
  const int64_t capacity = std::max<int64_t>(options.max_length, prompt_len + 1);
  const at::Device device = decoder.device();
  std::vector<std::vector<int64_t>> seqs(n, prompt);
  std::vector<int64_t> items(n);  // image of each row of `logits`
  std::iota(items.begin(), items.end(), 0);
  std::vector<bool> running(n, true);  // false: finished, kept only by static steps

  // Eager steps drop rows from these; static steps read them in place.
  BlipImageKV rows_kv = image;
  BlipKVCache own_cache;
  if (workspace == nullptr) {
    own_cache = decoder.NewCache(n, capacity);
  } else if (workspace->cache.rows() == 0) {
    workspace->cache = decoder.NewCache(n, capacity);
  } else {
    workspace->cache.Reset();
  }
  BlipKVCache& cache = workspace != nullptr ? workspace->cache : own_cache;
  const BlipImageKV& step_kv = workspace != nullptr ? workspace->image : rows_kv;
  at::Tensor logits = decoder.Step(PromptBatch(prompt, n, device), rows_kv, &cache);
  std::unique_ptr<StaticStep> own_step;  // static steps, once a second step is needed
  StaticStep* fixed = workspace != nullptr ? workspace->step.get() : nullptr;
  bool fixed_tried = fixed != nullptr;
  for (int step = 0;; ++step) {
    const int64_t cur_len = prompt_len + step;
    std::vector<int64_t> live, live_items;
    for (size_t r = 0; r < items.size(); ++r) {
      if (running[r]) {
        live.push_back(static_cast<int64_t>(r));
        live_items.push_back(items[r]);
      }
    }
    if (observer) {
      const bool all = live.size() == items.size();
      observer(step, live_items, all ? logits : logits.index_select(0, LongTensor(live, device)));
    }
    std::vector<int64_t> next = NextTokens(logits, cur_len, options);
    std::vector<int64_t> keep;
    for (int64_t r : live) {
      seqs[items[r]].push_back(next[r]);
      if (next[r] == options.eos_token_id) {
        running[r] = false;
      } else {
        keep.push_back(r);
      }
    }
    if (keep.empty() || cur_len + 1 >= options.max_length) break;
    if (!fixed_tried) {
      fixed_tried = true;
      own_step = StaticStep::Create(options.steps, decoder, step_kv, &cache, /*reorder=*/false);
      fixed = own_step.get();
      if (workspace != nullptr) workspace->step = std::move(own_step);
    }
    if (fixed) {
      for (size_t r = 0; r < next.size(); ++r) {
        if (!running[r]) next[r] = options.eos_token_id;  // any id: the row is ignored
      }
      logits = fixed->Run(next, cur_len, {});
      continue;
    }
    std::vector<int64_t> tokens, kept_items;
    for (int64_t r : keep) {
      tokens.push_back(next[r]);
      kept_items.push_back(items[r]);
    }
    if (keep.size() != items.size()) {
      // Drop finished rows: their cache and image keys/values go too.
      at::Tensor index = LongTensor(keep, device);
      cache.Select(index);
      rows_kv = rows_kv.Select(index);
    }
    items = std::move(kept_items);
    running.assign(items.size(), true);
    logits = decoder.Step(LongTensor(tokens, device).view({-1, 1}), rows_kv, &cache);
  }
  return seqs;
}

}  // namespace photoidx::models::blip

#include "core/models/blip/greedy.h"

#include <algorithm>
#include <limits>

namespace photoidx::models::blip {
namespace {

at::Tensor LongTensor(const std::vector<int64_t>& v, const at::Device& device) {
  return at::tensor(v, at::TensorOptions().dtype(at::kLong)).to(device);
}

// The prompt repeated for `rows` rows: int64 [rows, L].
at::Tensor PromptBatch(const std::vector<int64_t>& prompt, int64_t rows, const at::Device& device) {
  return LongTensor(prompt, device).view({1, -1}).expand({rows, -1}).contiguous();
}

}  // namespace

std::vector<std::vector<int64_t>> GreedySearch(const BlipTextDecoder& decoder,
                                               const BlipImageKV& image,
                                               const std::vector<int64_t>& prompt,
                                               const GreedyOptions& options,
                                               const GreedyObserver& observer) {
  const int64_t n = image.images();
  const int64_t prompt_len = static_cast<int64_t>(prompt.size());
  const int64_t capacity = std::max<int64_t>(options.max_length, prompt_len + 1);
  const at::Device device = decoder.device();
  std::vector<std::vector<int64_t>> seqs(n, prompt);
  std::vector<int64_t> items(n);  // image of each current row
  for (int64_t i = 0; i < n; ++i) items[i] = i;

  BlipImageKV rows_kv = image;
  BlipKVCache cache = decoder.NewCache(n, capacity);
  at::Tensor logits = decoder.Step(PromptBatch(prompt, n, device), rows_kv, &cache);
  for (int step = 0;; ++step) {
    if (observer) observer(step, items, logits);
    const int64_t cur_len = prompt_len + step;
    if (cur_len < options.min_length) {
      logits = logits.clone();  // the observer may hold the raw logits
      logits.select(1, options.eos_token_id).fill_(-std::numeric_limits<float>::infinity());
    }
    at::Tensor next = logits.argmax(-1).cpu();
    const int64_t* next_ids = next.data_ptr<int64_t>();
    std::vector<int64_t> keep, tokens, kept_items;
    for (size_t r = 0; r < items.size(); ++r) {
      seqs[items[r]].push_back(next_ids[r]);
      if (next_ids[r] != options.eos_token_id) {
        keep.push_back(static_cast<int64_t>(r));
        tokens.push_back(next_ids[r]);
        kept_items.push_back(items[r]);
      }
    }
    if (keep.empty() || cur_len + 1 >= options.max_length) break;
    if (keep.size() != items.size()) {
      // Drop finished rows: their cache and image keys/values go too.
      at::Tensor index = LongTensor(keep, device);
      cache.Select(index);
      rows_kv = rows_kv.Select(index);
    }
    items = std::move(kept_items);
    logits = decoder.Step(LongTensor(tokens, device).view({-1, 1}), rows_kv, &cache);
  }
  return seqs;
}

}  // namespace photoidx::models::blip

// Beam search exactly as transformers 4.40 runs it for
// BlipForConditionalGeneration.generate(num_beams > 1) (generation/utils.py
// _beam_search, beam_search.py BeamSearchScorer and BeamHypotheses), kept
// apart from the model: BeamSearch is fed the logits of each step and says
// which rows to keep and which tokens to run next, so it can be tested with
// scripted logits.
//
// Per step, for every batch item still searching:
//   scores = log_softmax(logits) (float32); eos score = -inf while the
//   sequence (prompt included) is shorter than min_length; add each beam's
//   cumulative score (initially [0, -1e9, ...]); take the top 2*num_beams of
//   the flattened [num_beams * vocab] scores (torch.topk order); walk them in
//   order: an eos of rank < num_beams becomes a finished hypothesis scored
//   sum_logprobs / generated_len ** length_penalty (generated_len counts the
//   eos, not the prompt), an eos of lower rank is skipped, any other token
//   fills the next beam until num_beams are filled. The item is done when
//   num_beams hypotheses exist and the worst of them >= the best candidate
//   score of this step / generated_len ** length_penalty.
// The search ends when every item is done or the sequences reach
// max_length; items still running then add their beams as hypotheses. Each
// item returns its best hypothesis, with eos appended when shorter than
// max_length (transformers' finalize for one returned sequence).
//
// Items are independent, so finished items are dropped from the rows the
// model runs (transformers keeps computing them with pad tokens): results
// for a batch equal the results item by item.
//
// Thread safety: one search is used by one thread.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_BEAM_SEARCH_H_
#define PHOTOIDX_CORE_MODELS_BLIP_BEAM_SEARCH_H_

#include <cstdint>
#include <functional>
#include <vector>

#include <ATen/ATen.h>

namespace photoidx::models::blip {

struct BeamSearchOptions {
  int num_beams = 3;
  int max_length = 20;  // counts the prompt, as transformers does
  int min_length = 0;   // likewise; eos is forbidden while shorter
  double length_penalty = 1.0;
  int64_t eos_token_id = 102;
};

struct BeamHypothesis {
  std::vector<int64_t> ids;  // prompt + generated tokens (+ eos, see above)
  double score = 0;          // transformers' sequences_scores
};

// transformers' BeamHypotheses for one batch item: at most num_beams
// finished sequences; a new one enters when there is room or it beats the
// worst, which is then dropped.
class BeamHypotheses {
 public:
  BeamHypotheses(int num_beams, double length_penalty);

  void Add(std::vector<int64_t> ids, double sum_logprobs, int64_t generated_len);
  bool IsDone(double best_sum_logprobs, int64_t generated_len) const;
  size_t size() const { return beams_.size(); }
  // The highest score; among equal scores the one added last (transformers
  // sorts stably and pops the last). REQUIRES size() > 0.
  const BeamHypothesis& Best() const;

 private:
  int num_beams_;
  double length_penalty_;
  double worst_score_ = 1e9;
  std::vector<BeamHypothesis> beams_;
};

class BeamSearch {
 public:
  // What the model runs next.
  struct Next {
    // int64 [rows]: for each new row, the row of the logits just given that
    // it continues (beam reordering plus dropping finished items).
    at::Tensor source_rows;
    // int64 [rows]: the token each new row feeds to the model.
    at::Tensor tokens;
    // int64 [items]: the items kept, as positions in the previous step's item
    // order (an identity unless items_changed).
    at::Tensor kept_items;
    bool items_changed = false;
  };

  // `batch` items, all starting from `prompt`. REQUIRES num_beams >= 1,
  // prompt non-empty.
  BeamSearch(int64_t batch, std::vector<int64_t> prompt, BeamSearchOptions options);

  // logits: float [items * num_beams, vocab], raw last-position logits of
  // the current rows (rows of one item consecutive, items in the order of
  // the previous Next; the first call gets the prompt logits with every
  // beam's row). Throws c10::Error on a shape mismatch.
  Next Step(const at::Tensor& logits);

  // True when no model call is needed any more (all items done or
  // max_length reached); then call Finish().
  bool finished() const;
  // Items still searching, by original index.
  const std::vector<int64_t>& active_items() const { return active_; }

  // The best hypothesis of each item, in batch order. Call once.
  std::vector<BeamHypothesis> Finish();

 private:
  void ProcessItem(size_t item_pos, const float* top_scores, const int64_t* top_ids,
                   int64_t vocab, std::vector<int64_t>* next_rows,
                   std::vector<int64_t>* next_tokens, std::vector<float>* next_scores);

  BeamSearchOptions options_;
  int64_t prompt_len_;
  int64_t cur_len_;                         // sequence length before the next token
  std::vector<int64_t> active_;             // original item of each active item
  std::vector<std::vector<int64_t>> seqs_;  // per current row
  std::vector<float> beam_scores_;          // per current row
  std::vector<BeamHypotheses> hyps_;        // per original item
  std::vector<bool> done_;                  // per original item
};

// Drives a whole search: `first_logits` are the prompt logits
// ([batch * num_beams, vocab]); `next_logits` runs the model for a Next and
// returns the logits of the rows it describes. Exceptions from either
// propagate (run it under CatchTorch).
using BeamLogitsFn = std::function<at::Tensor(const BeamSearch::Next&)>;
std::vector<BeamHypothesis> RunBeamSearch(int64_t batch, const std::vector<int64_t>& prompt,
                                          const BeamSearchOptions& options,
                                          const at::Tensor& first_logits,
                                          const BeamLogitsFn& next_logits);

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_BEAM_SEARCH_H_

// Search: scores a query embedding against every embedding of one model in
// the index and returns the best present photos.
//
// Scoring is a dot product of L2-normalised float32 vectors (= cosine), over
// one contiguous matrix (100k x 512 in a few milliseconds); the top k are
// kept with a partial sort; filters (folder, date, camera, caption words)
// are applied while walking down the ranking, so k results come back even
// when many are filtered out.
#ifndef PHOTOIDX_CORE_SEARCH_SEARCH_H_
#define PHOTOIDX_CORE_SEARCH_SEARCH_H_

#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/index/index_store.h"
#include "core/index/vector_file.h"

namespace photoidx::search {

struct SearchOptions {
  int top_k = 10;
  // Drop results scoring below this cosine.
  std::optional<float> min_score;
  // Keep photos with at least one present file under this absolute folder.
  std::string folder;
  // Keep photos whose date taken ("YYYY-MM-DD...") is within [from, to]
  // (string prefixes compare as dates).
  std::string date_from;
  std::string date_to;
  // Keep photos whose "make model" contains this (case-insensitive).
  std::string camera;
  // Keep photos whose caption (of caption_model) contains every word.
  std::string caption_words;
  // Caption model fingerprint for display and caption_words; empty = none.
  std::string caption_model;
};

struct SearchHit {
  int rank = 0;                // 1-based
  std::optional<float> score;  // absent for caption-word-only searches
  std::string path;            // first present file with this content
  index::PhotoRow photo;
};

// Indices of the k largest scores, best first (ties: lower index first).
std::vector<size_t> TopK(const std::vector<float>& scores, size_t k);

// scores[i] = dot(matrix.row(i), query). REQUIRES query.size() == matrix.dim.
std::vector<float> ScoreAll(const index::EmbeddingMatrix& matrix, const std::vector<float>& query);
// The same over `rows` x `dim` floats, row-major.
std::vector<float> ScoreAll(const float* data, size_t rows, int dim,
                            const std::vector<float>& query);

// Ranks the embeddings of `model` (a fingerprint) by similarity to `query`.
// `vectors`: the model's current vector file (index::OpenCurrentVectorFile),
// scored in place; null = read the embeddings from the index. Both give the
// same results.
Result<std::vector<SearchHit>> SearchByEmbedding(index::IndexStore& store, const std::string& model,
                                                 const std::vector<float>& query,
                                                 const SearchOptions& options,
                                                 const index::VectorFile* vectors = nullptr);

// Caption words only (no CLIP query): best FTS match first, no score.
Result<std::vector<SearchHit>> SearchByCaption(index::IndexStore& store,
                                               const SearchOptions& options);

}  // namespace photoidx::search

#endif  // PHOTOIDX_CORE_SEARCH_SEARCH_H_

// Dupes: the same photo held more than once.
//
// Exact duplicates are contents (sha256) that two or more present files
// refer to. Near duplicates are distinct contents whose CLIP embeddings (of
// one model: scores of different models never mix) have cosine similarity
// >= a threshold, grouped transitively: a group is a connected component of
// those pairs, so A~B and B~C put A, B and C in one group even when A and C
// score below the threshold. Missing files never appear in a group, and a
// content with no present file never links two others.
//
// The pair search is exhaustive (every pair is scored) and blocked: tiles of
// block_rows x block_rows scores come from one OpenBLAS sgemm each and are
// scanned for hits at once, so memory is O(rows) plus two row blocks and one
// tile whatever the collection size (no rows x rows matrix, no list of
// pairs: hits go straight into a union-find).
//
// Thread safety: the functions share nothing; ClusterNear may be called from
// several threads. The store is used by the calling thread only.
#ifndef PHOTOIDX_CORE_SEARCH_DUPES_H_
#define PHOTOIDX_CORE_SEARCH_DUPES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/index/index_store.h"
#include "core/index/vector_file.h"

namespace photoidx::search {

enum class DupeKind { kExact, kNear };

struct DupeFile {
  std::string path;    // raw bytes
  std::string sha256;
};

struct DupeGroup {
  DupeKind kind = DupeKind::kExact;
  // Every present file of the group, sorted by path (byte order).
  std::vector<DupeFile> files;
  // kNear only: the highest and lowest cosine among the pairs that linked
  // the group (all >= the threshold; a transitive member may score lower
  // against a member it was not linked to directly).
  std::optional<float> max_score;
  std::optional<float> min_score;
};

struct NearOptions {
  // Pairs scoring at least this cosine are linked. In [-1, 1].
  float threshold = 0.95f;
  // Side of the score tile: 2 x block_rows x dim + block_rows^2 floats of
  // scratch (2048 at dim 512: 24 MiB).
  size_t block_rows = 2048;
};

// A connected component of rows linked by cosine >= threshold.
struct NearCluster {
  std::vector<size_t> rows;  // sorted, at least 2
  float max_score = 0;
  float min_score = 0;
};

// Clusters `rows` x `dim` row-major floats (not necessarily normalised:
// cosine is computed; a zero row links to nothing). Clusters are ordered by
// their first row.
std::vector<NearCluster> ClusterNear(const float* data, size_t rows, int dim,
                                     const NearOptions& options);

// One group per content referenced by 2+ present files, groups ordered by
// their first path.
Result<std::vector<DupeGroup>> FindExactDuplicates(index::IndexStore& store);

// The model of `kind` ("clip", "blip") that `requested` names: its
// fingerprint, a unique fingerprint prefix of 8+ characters, or its name as
// registered by build. Empty `requested`: the index's only model of that
// kind. NotFound when the index has no such model; InvalidArgument when the
// choice is ambiguous (several models, none requested: pick one).
Result<index::ModelRow> PickModel(index::IndexStore& store, std::string_view kind,
                                  std::string_view requested);

// Near-duplicate groups among the present contents embedded by `model` (a
// fingerprint), ordered by first path. `vectors`: the model's current vector
// file (index::OpenCurrentVectorFile), scored in place; null reads the
// embeddings from the index. Both give the same groups. NotFound when the
// model is unknown or has no embedding of a present photo; InvalidArgument
// when `vectors` belongs to another model.
Result<std::vector<DupeGroup>> FindNearDuplicates(index::IndexStore& store,
                                                  const std::string& model,
                                                  const NearOptions& options,
                                                  const index::VectorFile* vectors = nullptr);

}  // namespace photoidx::search

#endif  // PHOTOIDX_CORE_SEARCH_DUPES_H_

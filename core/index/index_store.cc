#include "core/index/index_store.h"

#include "core/index/sqlite_index_store_internal.h"

namespace photoidx::index {

Result<std::unique_ptr<IndexStore>> IndexStore::Open(const std::string& path,
                                                     const OpenOptions& options) {
  return internal::SqliteIndexStore::Open(path, options);
}

}  // namespace photoidx::index

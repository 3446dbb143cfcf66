#pragma once
// How a list of byte strings (rooms, except rooms, binary attachments) is kept
// in one SQLite BLOB: each item as a LEB128 length then its bytes. Room names
// and attachments are arbitrary bytes, so no separator character would do, and
// an empty list stays distinct from a list holding the empty room (all_room).
// Decoding is total: malformed bytes (a damaged file) give nullopt.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::store {

std::string encode_list(const std::vector<std::string>& items);
std::optional<std::vector<std::string>> decode_list(std::string_view bytes);

}  // namespace ferry::store

#pragma once
// The `meta(key, value)` table both SQLite files keep, and the clean/unclean
// shutdown marks that tell a kill -9 (no committed transaction lost in WAL
// mode) from a power cut (NORMAL commits may be taken back).

#include "store/sqlite_db.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ferry::store {

std::optional<std::string> meta_text(database& db, const char* key);
std::int64_t meta_int(database& db, const char* key, std::int64_t fallback);
void set_meta(database& db, const char* key, const std::string& value);
void set_meta(database& db, const char* key, std::int64_t value);

/// This boot of the machine (empty when it cannot be read).
std::string current_boot_id();

/// True when the last run did not mark the file clean and the machine has
/// rebooted since (or we cannot tell): its last NORMAL commits may be lost.
bool unclean_across_reboot(database& db, const std::string& boot_id);

/// Marks the file in use by this boot (call inside the opening transaction).
void mark_in_use(database& db, const std::string& boot_id);

/// Marks a clean shutdown, durably. Call after the last commit.
void mark_clean(database& db);

}  // namespace ferry::store

#include "store/sqlite_meta.hpp"

#include <fstream>

namespace ferry::store {

std::optional<std::string> meta_text(database& db, const char* key) {
    auto s = db.prepare("SELECT value FROM meta WHERE key = ?1");
    s.bind_text(1, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
}

std::int64_t meta_int(database& db, const char* key, std::int64_t fallback) {
    auto s = db.prepare("SELECT value FROM meta WHERE key = ?1");
    s.bind_text(1, key);
    return s.step() ? s.int64(0) : fallback;
}

void set_meta(database& db, const char* key, const std::string& value) {
    db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)").bind_text(1, key).bind_text(2, value).run();
}

void set_meta(database& db, const char* key, std::int64_t value) {
    db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)").bind_text(1, key).bind(2, value).run();
}

std::string current_boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

bool unclean_across_reboot(database& db, const std::string& boot_id) {
    const bool unclean = meta_int(db, "clean", 1) == 0;
    return unclean && (boot_id.empty() || meta_text(db, "boot_id").value_or("") != boot_id);
}

void mark_in_use(database& db, const std::string& boot_id) {
    set_meta(db, "clean", std::int64_t{0});
    set_meta(db, "boot_id", boot_id);
}

void mark_clean(database& db) {
    db.exec("PRAGMA synchronous=FULL");
    set_meta(db, "clean", std::int64_t{1});
}

}  // namespace ferry::store

// The SQLite store's reader thread: replays that reach older than a room's
// in-memory tail. Each request is answered from one read snapshot (WAL readers
// never block the writer), watermarks included, so a trim committing meanwhile
// cannot make a page skip events without flagging the gap. Pages are fetched
// in bounded chunks of sequences, never a whole room at once.
#include "store/cursor.hpp"
#include "store/list_codec.hpp"
#include "store/room_set.hpp"
#include "store/sqlite_state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

namespace ferry::store {
namespace {

stored_event decode_event(const statement& row, std::uint64_t sequence) {
    stored_event e;
    e.sequence = sequence;
    e.nsp = row.text(0);
    auto rooms = decode_list(row.blob(1));
    auto except = decode_list(row.blob(2));
    e.payload = row.text(3);
    auto attachments = decode_list(row.blob(4));
    if (!rooms || !except || !attachments) throw sqlite_error(SQLITE_CORRUPT, "damaged event row");
    e.rooms = std::move(*rooms);
    e.except = std::move(*except);
    e.attachments = std::move(*attachments);
    e.time = from_ms(row.int64(5));
    return e;
}

}  // namespace

void sqlite_store::reader_loop() {
    for (;;) {
        read_request request;
        {
            std::unique_lock lock(read_mu_);
            read_cv_.wait(lock, [&] { return !reads_.empty() || read_stopping_; });
            if (reads_.empty()) return;  // stopping, and every accepted read was answered
            request = std::move(reads_.front());
            reads_.pop_front();
        }
        result<read_page> out = make_error_code(error::store_unavailable);
        try {
            out = read_from_disk(request);
        } catch (const sqlite_error& e) {
            reader_->db.rollback();
            if (const auto held = reader_->failure_log.admit(std::chrono::steady_clock::now())) {
                spdlog::error("event log {}: replay read failed: {} ({} not logged since the last line)",
                              options_.path, e.what(), *held);
            }
        }
        request.done(std::move(out));
    }
}

read_page sqlite_store::read_from_disk(const read_request& request) {
    auto& rd = *reader_;
    const auto& nsp = request.nsp;
    rd.begin.reset().run();

    std::uint64_t last_sequence = 0;
    if (rd.last_sequence.reset().step()) last_sequence = rd.last_sequence.uint64(0);
    rd.last_sequence.reset();
    std::uint64_t evicted = 0;
    if (rd.nsp_evicted.reset().bind_text(1, nsp).step()) evicted = rd.nsp_evicted.uint64(0);
    rd.nsp_evicted.reset();

    std::vector<const std::string*> known;
    std::vector<std::uint64_t> known_trimmed;
    std::uint64_t trimmed = 0;
    for (const auto& room : request.rooms) {
        if (rd.room_watermark.reset().bind_text(1, nsp).bind_text(2, room).step()) {
            known.push_back(&room);
            known_trimmed.push_back(rd.room_watermark.uint64(0));
            trimmed = std::max(trimmed, rd.room_watermark.uint64(0));
        } else {
            trimmed = std::max(trimmed, evicted);
        }
        rd.room_watermark.reset();
    }
    const auto check = check_cursor(request.after, epoch_, last_sequence, trimmed);

    read_page page;
    page.gap = check.gap;
    // Sequences are fetched per room in chunks and merged; everything up to
    // the smallest "last of a full chunk" is complete across rooms.
    const std::size_t chunk = std::min<std::size_t>(request.limit, 1023) + 1;
    std::uint64_t cursor = check.from;
    for (bool done = false; !done;) {
        std::vector<std::uint64_t> sequences;
        std::uint64_t complete_through = std::numeric_limits<std::uint64_t>::max();
        bool any_full = false;
        for (const auto* room : known) {
            auto& s = rd.room_sequences;
            s.reset().bind_text(1, nsp).bind_text(2, *room).bind(3, cursor).bind(4, static_cast<std::int64_t>(chunk));
            std::size_t n = 0;
            std::uint64_t last = 0;
            while (s.step()) {
                last = s.uint64(0);
                sequences.push_back(last);
                ++n;
            }
            s.reset();
            if (n == chunk) {
                any_full = true;
                complete_through = std::min(complete_through, last);
            }
        }
        std::sort(sequences.begin(), sequences.end());
        sequences.erase(std::unique(sequences.begin(), sequences.end()), sequences.end());
        if (any_full) {
            sequences.erase(std::upper_bound(sequences.begin(), sequences.end(), complete_through),
                            sequences.end());
        }
        done = !any_full;
        for (const auto seq : sequences) {
            if (!rd.event.reset().bind(1, seq).step()) {
                rd.event.reset();
                continue;  // cannot happen inside one snapshot; skip rather than fail
            }
            auto e = decode_event(rd.event, seq);
            rd.event.reset();
            if (intersects(e.except, request.rooms)) continue;
            if (page.events.size() == request.limit) {
                page.more = true;
                done = true;
                break;
            }
            page.events.push_back(std::move(e));
        }
        cursor = complete_through;
    }

    if (check.gap) {
        std::optional<std::uint64_t> oldest;
        for (std::size_t i = 0; i < known.size(); ++i) {
            const auto* room = known[i];
            if (!room_lost_events(request.after, epoch_, last_sequence, known_trimmed[i])) continue;
            if (rd.room_oldest.reset().bind_text(1, nsp).bind_text(2, *room).step() && !rd.room_oldest.is_null(0)) {
                const auto seq = rd.room_oldest.uint64(0);
                oldest = std::min(oldest.value_or(seq), seq);
            }
            rd.room_oldest.reset();
        }
        if (oldest) page.oldest = offset{epoch_, *oldest};
    }
    rd.commit.reset().run();
    return page;
}

}  // namespace ferry::store

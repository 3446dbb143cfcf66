#include "sse/stream.hpp"

#include "engineio/engine.hpp"
#include "engineio/gathered_write.hpp"
#include "engineio/server.hpp"
#include "sse/frame.hpp"
#include "socketio/adapter.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"
#include "socketio/worker_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

namespace ferry::sse {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// Most frames gathered into one writev; IOV_MAX is 1024 on Linux.
constexpr std::size_t max_batch = 256;

// The frame of a broadcast, built once for every stream on every worker.
std::string_view frame_of(const socketio::broadcast_packet& p) {
    std::call_once(p.sse_once, [&p] { p.sse_frame = payload_frame(*p.payload, p.offset); });
    return p.sse_frame;
}
}  // namespace

stream::stream(socketio::server_impl& server, socketio::worker_state& worker, socketio::namespace_impl& nsp,
               asio::ip::tcp::socket socket, std::string id, std::string address,
               std::shared_ptr<const options> opts)
    : server_(server),
      worker_(worker),
      nsp_(nsp),
      socket_(std::move(socket)),
      heartbeat_(socket_.get_executor()),
      id_(std::move(id)),
      address_(std::move(address)),
      options_(std::move(opts)),
      max_outbound_(server.options().engine.max_outbound_bytes) {
    error_code ignored;
    socket_.non_blocking(true, ignored);
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
}

stream::~stream() = default;

void stream::start(std::string head, const stream_request& request) {
    auto* store = server_.store();
    // With a cursor, the session event carries it as its id; without one, the
    // log's position now: either way a client cut before any event resumes
    // from where this stream began, not from wherever it reconnects.
    std::string cursor;
    if (request.cursor) {
        cursor = request.cursor->to_string();
    } else if (store) {
        cursor = store->position().to_string();
    }
    head += retry_frame(options_->retry);
    head += session_frame(id_, cursor);
    enqueue_text(std::move(head));

    worker_.local(nsp_).streams.emplace(id_, shared_from_this());
    join_room(id_);
    for (const auto& r : request.rooms) join_room(r);
    watch_peer();
    arm_heartbeat();

    if (request.cursor && store) {
        // Joined first, then read: live events that arrive from now on are
        // held, so nothing falls between the log and the live stream.
        replaying_ = true;
        replay_rooms_ = request.rooms;
        if (request.cursor->epoch == store->epoch()) floor_ = request.cursor->sequence;
        read_log(*request.cursor);
    }
}

bool stream::deliver(const std::shared_ptr<const socketio::broadcast_packet>& packet) {
    // Packets without a payload collect acks, which a stream cannot answer.
    if (closed_ || cutting_ || !packet->payload) return false;
    if (replaying_) {
        held_bytes_ += packet->payload->size();
        held_.push_back(packet);
        // Live events held behind a long replay are bounded like a queue.
        if (held_bytes_ > max_outbound_) cut("slow consumer");
        return true;
    }
    return write_live(packet);
}

bool stream::write_live(const std::shared_ptr<const socketio::broadcast_packet>& packet) {
    if (closed_ || cutting_) return false;
    if (const auto seq = packet->sequence; seq != 0) {
        if (seq <= floor_ || replayed_.already_sent(seq)) return false;
    }
    // Volatile events are dropped for a stream with a backlog, never queued.
    if (packet->selection.is_volatile && queued_bytes_ > 0) return false;
    const std::string_view bytes = frame_of(*packet);
    if (bytes.empty()) return false;
    enqueue(frame{packet, bytes});
    if (queued_bytes_ > max_outbound_) cut("slow consumer");
    return true;
}

void stream::join_room(const std::string& room) {
    if (closed_ || !rooms_.insert(room).second) return;
    worker_.join(nsp_, *this, room);
}

void stream::leave_room(const std::string& room) {
    if (rooms_.erase(room) == 0) return;
    worker_.leave(nsp_, *this, room);
}

void stream::disconnect_member(bool) {
    // A stream has no namespace-level disconnect: either way its connection ends.
    finish("server disconnect");
}

socket_info stream::describe() const {
    socket_info info;
    info.id = id_;
    info.nsp = nsp_.name();
    info.rooms.assign(rooms_.begin(), rooms_.end());
    info.auth = boost::json::object{};  // a stream has no handshake auth
    info.address = address_;
    info.transport = "sse";
    info.time = started_;
    return info;
}

void stream::enqueue(frame f) {
    if (closed_) return;
    queued_bytes_ += f.bytes.size();
    pending_.push_back(std::move(f));
    // Written at the end of the handler, with whatever else it queues (and,
    // under load, with the frames of the broadcasts queued behind it).
    if (flush_scheduled_ || writing_) return;
    flush_scheduled_ = true;
    server_.engine().engine_at(worker_.index()).request_flush(shared_from_this());
}

void stream::flush() {
    flush_scheduled_ = false;
    if (!writing_) start_write();
}

void stream::enqueue_text(std::string text) {
    auto owned = std::make_shared<const std::string>(std::move(text));
    const std::string_view bytes = *owned;
    enqueue(frame{std::move(owned), bytes});
}

void stream::start_write() {
    // Loops while the write completes at once and frames remain (a batch is bounded).
    while (!pending_.empty() && !closed_) {
        writing_ = true;
        in_flight_.clear();  // keeps its capacity: the vectors trade places every write
        if (pending_.size() <= max_batch) {
            in_flight_.swap(pending_);
        } else {
            in_flight_.assign(std::make_move_iterator(pending_.begin()),
                              std::make_move_iterator(pending_.begin() + max_batch));
            pending_.erase(pending_.begin(), pending_.begin() + max_batch);
        }
        buffers_.clear();
        for (const auto& f : in_flight_) buffers_.push_back(asio::buffer(f.bytes.data(), f.bytes.size()));
        const auto outcome = engineio::write_gathered(socket_, buffers_, [this] {
            return [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); };
        });
        if (outcome == engineio::write_outcome::pending) return;
        if (outcome == engineio::write_outcome::failed) {
            // Ended from a handler of its own: this may run inside a fan-out
            // walking the room index, which closing the stream would change.
            cut("transport error");
            return;
        }
        written_all();
    }
    after_drain();
}

void stream::written_all() {
    writing_ = false;
    for (const auto& f : in_flight_) queued_bytes_ -= f.bytes.size();
    in_flight_.clear();
}

void stream::on_write(error_code ec) {
    written_all();
    if (closed_) return;
    if (ec) return finish("transport error");
    if (!pending_.empty()) return start_write();
    after_drain();
}

void stream::after_drain() {
    if (closed_ || writing_) return;
    // A replay paused for this queue to drain goes on.
    if (paused_after_) {
        const offset after = std::move(*paused_after_);
        paused_after_.reset();
        read_log(after);
    }
}

void stream::watch_peer() {
    socket_.async_wait(asio::ip::tcp::socket::wait_read,
                       [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void stream::on_readable(error_code ec) {
    if (closed_) return;
    if (ec) return finish("transport close");
    // A client has nothing to send on a stream: whatever comes is discarded;
    // end of file is the client going away.
    thread_local char scratch[4096];
    for (int round = 0; round < 4; ++round) {
        const std::size_t n = socket_.read_some(asio::buffer(scratch), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) return finish("transport close");
        if (n < sizeof scratch) break;
    }
    watch_peer();
}

void stream::arm_heartbeat() {
    if (options_->heartbeat.count() <= 0 || closed_) return;
    heartbeat_.expires_after(options_->heartbeat);
    heartbeat_.async_wait([weak = weak_from_this()](error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_) return;
        const std::string_view beat = heartbeat_frame();
        self->enqueue(frame{nullptr, beat});
        self->arm_heartbeat();
    });
}

void stream::read_log(offset after) {
    auto* store = server_.store();
    store->read_after(after, nsp_.name(), replay_rooms_, server_.options().recovery.replay_page,
                      [weak = weak_from_this(), after, ex = socket_.get_executor()](result<read_page> page) mutable {
                          // Completes inline or on the store's thread: the stream is touched on its worker only.
                          asio::post(ex, [weak, after = std::move(after), page = std::move(page)]() mutable {
                              if (auto self = weak.lock()) self->on_page(std::move(after), std::move(page));
                          });
                      });
}

void stream::on_page(offset after, result<read_page> page) {
    if (closed_) return;
    if (!page) {
        // The log cannot be read: end the stream rather than pretend it is
        // complete; the client reconnects with its Last-Event-ID.
        return finish("store unavailable");
    }
    auto* store = server_.store();
    if (first_page_) {
        first_page_ = false;
        if (page->gap) {
            // Told plainly, before the events that are still kept; the cursor
            // no longer bounds the live events.
            floor_ = 0;
            enqueue_text(gap_frame(replay_rooms_, page->oldest ? page->oldest->to_string() : std::string()));
        }
    }
    offset last = after;
    auto& frames = worker_.replay_sse_frames();
    for (const auto& e : page->events) {
        last.epoch = store->epoch();
        last.sequence = e.sequence;
        // Shared with the other streams of this worker replaying the same events.
        const auto& text = frames.get(nsp_.name(), e, last.epoch, [&] {
            return std::make_shared<const std::string>(payload_frame(e.payload, last.to_string()));
        });
        if (!text->empty()) enqueue(frame{text, *text});
        replayed_.add(e.sequence);
    }
    if (page->more && !page->events.empty()) {
        // The next page is read once this one is mostly written, so a long
        // replay holds about one page in memory, whatever the client's speed.
        if (queued_bytes_ > max_outbound_ / 2) {
            paused_after_ = std::move(last);
        } else {
            read_log(std::move(last));
        }
        return;
    }
    finish_replay();
}

void stream::finish_replay() {
    replaying_ = false;
    auto held = std::move(held_);
    held_.clear();
    held_bytes_ = 0;
    for (const auto& packet : held) write_live(packet);
}

void stream::cut(std::string_view reason) {
    // Deferred: this runs inside a fan-out that is walking the room index,
    // which closing the stream would change.
    if (cutting_) return;
    cutting_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this(), why = std::string(reason)] { self->finish(why); });
}

void stream::finish(std::string_view reason) {
    if (closed_) return;
    closed_ = true;
    spdlog::debug("sse {} closed: {}", id_, reason);
    auto self = shared_from_this();
    error_code ignored;
    heartbeat_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    pending_.clear();
    held_.clear();
    paused_after_.reset();
    auto rooms = std::move(rooms_);
    rooms_.clear();
    for (const auto& r : rooms) worker_.leave(nsp_, *this, r);
    auto& streams = worker_.local(nsp_).streams;
    if (auto it = streams.find(id_); it != streams.end() && it->second.get() == this) streams.erase(it);
}

}  // namespace ferry::sse

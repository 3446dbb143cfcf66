#include "engineio/ws_connection.hpp"

#include "engineio/gathered_write.hpp"
#include "engineio/session.hpp"

#include <boost/asio/write.hpp>

#include <span>

namespace ferry::engineio {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
// Most frames gathered into one writev; IOV_MAX is 1024 on Linux.
constexpr std::size_t max_batch = 256;
constexpr std::size_t read_chunk = 64 * 1024;
// Messages handed to the session per turn of the worker: one read can hold
// thousands of small ones, and handling them all at once would hold the
// worker (its other connections, a shutdown) as long as they take.
constexpr std::size_t messages_per_turn = 256;
}  // namespace

ws_connection::ws_connection(asio::ip::tcp::socket socket, std::size_t max_message,
                             std::string initial, std::string preamble,
                             std::optional<std::size_t> deflate_threshold)
    : socket_(std::move(socket)),
      reader_(max_message, deflate_threshold.has_value()),
      deflate_threshold_(deflate_threshold),
      preamble_(std::move(preamble)) {
    if (!initial.empty()) reader_.feed(initial);
    error_code ignored;
    socket_.non_blocking(true, ignored);
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
}

ws_connection::~ws_connection() = default;

void ws_connection::start() {
    if (!preamble_.empty()) start_write();
    // Bytes that arrived with the upgrade request are processed first.
    process_then_read();
}

void ws_connection::read_some() {
    socket_.async_wait(asio::ip::tcp::socket::wait_read,
                       [self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void ws_connection::on_readable(error_code ec) {
    if (finished_) return;
    if (ec) return finish("transport close");
    thread_local std::string scratch(read_chunk, '\0');
    // Drain what the kernel has, bounded so one busy client cannot starve the worker.
    for (int round = 0; round < 4; ++round) {
        const std::size_t n = socket_.read_some(asio::buffer(scratch), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) return finish("transport close");
        reader_.feed(std::string_view(scratch.data(), n));
        if (n < scratch.size()) break;
    }
    process_then_read();
}

void ws_connection::process_then_read() {
    if (process()) {
        // Messages are left in the reader: they go first, in a later turn,
        // and nothing more is read until they are handled (the reader holds
        // at most one read's worth).
        asio::post(socket_.get_executor(), [self = shared_from_this()] {
            if (!self->finished_) self->process_then_read();
        });
        return;
    }
    if (!finished_) read_some();
}

bool ws_connection::process() {
    auto self = shared_from_this();
    std::size_t budget = messages_per_turn;
    while (!finished_) {
        if (budget == 0) return true;
        auto next = reader_.next();
        if (!next) {
            // RFC 6455 7.1.7: fail the connection with the matching close code.
            close(ws_close_code_for(next.error()), next.error().message());
            if (session_) session_->on_ws_closed(*this, "parse error");
            session_ = nullptr;
            return false;
        }
        if (!*next) return false;
        ws_message& m = **next;
        switch (m.opcode) {
            case ws_opcode::text:
            case ws_opcode::binary:
                --budget;
                if (session_) session_->on_ws_message(*this, m.payload, m.opcode == ws_opcode::binary);
                break;
            case ws_opcode::ping:
                write_control(ws_opcode::pong, m.payload);
                break;
            case ws_opcode::pong:
                break;
            case ws_opcode::close:
                // Echo the close (RFC 6455 5.5.1), then the connection is done.
                close(m.close_code.value_or(1000));
                if (session_) session_->on_ws_closed(*this, "transport close");
                session_ = nullptr;
                return false;
            case ws_opcode::continuation:
                break;
        }
    }
    return false;
}

void ws_connection::write(std::vector<wire_ptr>& packets) {
    if (finished_ || close_sent_) {
        packets.clear();
        return;
    }
    if (pending_.empty()) {
        pending_.swap(packets);
    } else {
        pending_.insert(pending_.end(), std::make_move_iterator(packets.begin()),
                        std::make_move_iterator(packets.end()));
        packets.clear();
    }
    if (!writing_) start_write();
}

void ws_connection::write_control(ws_opcode opcode, std::string_view payload) {
    if (finished_ || close_sent_) return;
    ws_encode_frame(opcode, payload.substr(0, 125), control_out_);
    if (!writing_) start_write();
}

void ws_connection::close(std::uint16_t code, std::string_view reason) {
    if (finished_ || close_sent_) return;
    ws_encode_frame(ws_opcode::close, ws_close_payload(code, reason.substr(0, 120)), control_out_);
    close_sent_ = true;
    close_after_write_ = true;
    if (!writing_) start_write();
}

void ws_connection::abort() { finish("forced close"); }

void ws_connection::start_write() {
    // Loops while frames keep arriving during a write that completes at once.
    for (;;) {
        if (preamble_.empty() && control_out_.empty() && pending_.empty()) {
            if (close_after_write_) finish("transport close");
            return;
        }
        gather();
        writing_ = true;
        const auto outcome = write_gathered(socket_, buffers_, [this] {
            return [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); };
        });
        if (outcome == write_outcome::failed) {
            // Ended from a handler of its own: the caller (a session flushing
            // its queue) must not see the session close under its feet.
            asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish("transport error"); });
            return;
        }
        if (outcome == write_outcome::done) {
            written_all();
            if (!preamble_.empty() || !control_out_.empty() || !pending_.empty()) continue;
            if (close_after_write_) {
                // As after an asynchronous write: whoever closed finishes its
                // own work (and gives its own reason) before the socket ends.
                asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish("transport close"); });
                return;
            }
            if (session_) session_->on_ws_written(*this);
        }
        return;
    }
}

void ws_connection::gather() {
    auto& buffers = buffers_;
    buffers.clear();
    control_in_flight_.clear();
    if (!preamble_.empty()) {
        control_in_flight_.swap(preamble_);
    }
    // Control frames go before queued data: a pong must not wait behind a
    // backlog, and data queued after a close frame must not be sent at all.
    if (!control_out_.empty()) {
        const bool closing = close_sent_;
        control_in_flight_.append(control_out_);
        control_out_.clear();
        if (closing) pending_.clear();
    }
    if (!control_in_flight_.empty()) buffers.push_back(asio::buffer(control_in_flight_));
    in_flight_.clear();  // keeps its capacity: the vectors trade places every write
    if (pending_.size() <= max_batch) {
        in_flight_.swap(pending_);
    } else {
        in_flight_.assign(pending_.begin(), pending_.begin() + max_batch);
        pending_.erase(pending_.begin(), pending_.begin() + max_batch);
    }
    for (const auto& p : in_flight_) buffers.push_back(asio::buffer(frame_of(*p)));
}

std::string_view ws_connection::frame_of(const wire_packet& p) const {
    // Small messages gain little and cost a compressor run (the `ws`
    // library's threshold); larger ones use the packet's shared compressed frame.
    if (deflate_threshold_ && p.payload().size() >= *deflate_threshold_) return p.deflated_ws_frame();
    return p.ws_frame();
}

void ws_connection::written_all() {
    writing_ = false;
    in_flight_.clear();
    // Control bytes are rare after the 101 response: its ~250 bytes are not
    // kept for the life of an idle connection.
    if (!control_in_flight_.empty()) std::string().swap(control_in_flight_);
}

void ws_connection::on_write(error_code ec) {
    written_all();
    if (finished_) return;
    if (ec) return finish("transport error");
    if (!preamble_.empty() || !control_out_.empty() || !pending_.empty()) return start_write();
    if (close_after_write_) return finish("transport close");
    if (session_) session_->on_ws_written(*this);
}

void ws_connection::finish(std::string_view reason) {
    if (finished_) return;
    finished_ = true;
    auto self = shared_from_this();
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (session_) {
        session* s = session_;
        session_ = nullptr;
        s->on_ws_closed(*this, reason);
    }
}

}  // namespace ferry::engineio

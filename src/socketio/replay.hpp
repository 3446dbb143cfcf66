#pragma once
// One replay of the event log to one socket: pages are read with a bounded
// size, posted back to the socket's worker, filtered and written; the next
// page is read only then, so a replay of any length holds one page at a time.

#include <ferry/event_store.hpp>
#include <ferry/socket.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ferry::socketio {

struct replay_job : std::enable_shared_from_this<replay_job> {
    std::weak_ptr<socket> target;
    event_store* store = nullptr;
    boost::asio::io_context* context = nullptr;
    std::string nsp;
    std::vector<std::string> rooms;
    std::size_t page_size = 512;
    /// Which events of a page this socket gets.
    std::function<bool(const stored_event&)> wanted;
    /// Sees the first page before anything is written (it carries the gap
    /// verdict); returning false ends the replay without writing.
    std::function<bool(const read_page&)> on_first_page;

    /// Reads the page after `after`; the replay ends with socket::finish_replay.
    void read(offset after);

private:
    void on_page(offset after, result<read_page> page);
    bool first_ = true;
};

}  // namespace ferry::socketio

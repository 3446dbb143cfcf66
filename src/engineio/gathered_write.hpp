#pragma once
// One gathered write of a connection's queued frames, shared by the
// WebSocket transport (ws_connection) and Server-Sent Events streams.
//
// Most writes complete at once (the kernel's send buffer has room): done
// here, a write costs one writev and no posted completion — in a fan-out that
// is one handler per connection per flush saved. Only what the kernel did not
// take waits for room, through asio::async_write.
//
// Deliberately not here: queueing, batching and what the frames are; the
// callers keep those (they differ: control frames, deflate, replay pacing).

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <span>
#include <vector>

namespace ferry::engineio {

enum class write_outcome {
    done,     ///< everything written; no completion will come
    pending,  ///< the rest is being written; the completion runs when it is
    failed,   ///< the connection is broken; no completion will come
};

/// Removes the first `written` bytes from a gather list: what is left after
/// a partial write. Pure, so the arithmetic is tested alone.
inline void drop_written(std::vector<boost::asio::const_buffer>& buffers, std::size_t written) {
    std::size_t whole = 0;
    while (whole < buffers.size() && written >= buffers[whole].size()) written -= buffers[whole++].size();
    buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(whole));
    if (!buffers.empty()) buffers.front() += written;
}

/// Writes `buffers` (a gather list, edited to what is left when the kernel
/// takes part of it: keep it alive until the completion runs). `make_then()`
/// makes the completion handler, only when one is needed (it usually holds a
/// shared_ptr to the connection: no reference count is touched otherwise).
template <class MakeHandler>
write_outcome write_gathered(boost::asio::ip::tcp::socket& socket, std::vector<boost::asio::const_buffer>& buffers,
                             MakeHandler&& make_then) {
    namespace asio = boost::asio;
    boost::system::error_code ec;
    // A span, not the vector: async_write copies its buffer sequence, and a
    // span of the caller's member costs no allocation.
    const std::size_t written = socket.write_some(std::span<const asio::const_buffer>(buffers), ec);
    const bool no_room = ec == asio::error::would_block || ec == asio::error::try_again;
    if (ec && !no_room) return write_outcome::failed;
    if (!ec && written == asio::buffer_size(buffers)) return write_outcome::done;
    drop_written(buffers, no_room ? 0 : written);
    asio::async_write(socket, std::span<const asio::const_buffer>(buffers), make_then());
    return write_outcome::pending;
}

}  // namespace ferry::engineio

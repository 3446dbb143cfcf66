#include "engineio/accept_backoff.hpp"

#include <boost/system/errc.hpp>

#include <algorithm>

namespace ferry::engineio {

bool accept_backoff::is_exhaustion(boost::system::error_code ec) noexcept {
    namespace errc = boost::system::errc;
    return ec == errc::too_many_files_open || ec == errc::too_many_files_open_in_system ||
           ec == errc::no_buffer_space || ec == errc::not_enough_memory;
}

accept_backoff::decision accept_backoff::on_error(boost::system::error_code ec, time_point now) noexcept {
    if (!is_exhaustion(ec)) return {};
    decision d;
    d.pause = next_pause_;
    next_pause_ = std::min<duration>(next_pause_ * 2, longest_pause);
    ++pauses_;
    ++unreported_;
    paused_since_accept_ = true;
    if (!last_report_ || now - *last_report_ >= report_interval) {
        d.to_report = report{unreported_, ec, d.pause};
        unreported_ = 0;
        last_report_ = now;
    }
    return d;
}

bool accept_backoff::on_accepted(time_point now) noexcept {
    next_pause_ = first_pause;
    if (!paused_since_accept_) return false;
    paused_since_accept_ = false;
    if (last_resume_report_ && now - *last_resume_report_ < report_interval) return false;
    last_resume_report_ = now;
    return true;
}

}  // namespace ferry::engineio

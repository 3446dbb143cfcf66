#include "engineio/accept_backoff.hpp"

#include <boost/system/errc.hpp>

#include <gtest/gtest.h>

namespace {

using ferry::engineio::accept_backoff;
using namespace std::chrono_literals;
namespace errc = boost::system::errc;

const accept_backoff::time_point t0{};
const auto emfile = errc::make_error_code(errc::too_many_files_open);

TEST(AcceptBackoff, ResourceExhaustionPausesOtherErrorsRetryAtOnce) {
    for (auto e : {errc::too_many_files_open, errc::too_many_files_open_in_system, errc::no_buffer_space,
                   errc::not_enough_memory}) {
        accept_backoff b;
        EXPECT_GT(b.on_error(errc::make_error_code(e), t0).pause, accept_backoff::duration::zero()) << e;
        EXPECT_EQ(b.pauses(), 1u);
    }
    // The peer gave up while queued: that connection's problem, not the process's.
    accept_backoff b;
    const auto d = b.on_error(errc::make_error_code(errc::connection_aborted), t0);
    EXPECT_EQ(d.pause, accept_backoff::duration::zero());
    EXPECT_FALSE(d.to_report);
    EXPECT_EQ(b.pauses(), 0u);
}

TEST(AcceptBackoff, PauseDoublesUpToOneSecondAndResetsOnAccept) {
    accept_backoff b;
    EXPECT_EQ(b.on_error(emfile, t0).pause, 100ms);
    EXPECT_EQ(b.on_error(emfile, t0 + 100ms).pause, 200ms);
    EXPECT_EQ(b.on_error(emfile, t0 + 300ms).pause, 400ms);
    EXPECT_EQ(b.on_error(emfile, t0 + 700ms).pause, 800ms);
    EXPECT_EQ(b.on_error(emfile, t0 + 1500ms).pause, 1s);
    EXPECT_EQ(b.on_error(emfile, t0 + 2500ms).pause, 1s);
    b.on_accepted(t0 + 3s);
    EXPECT_EQ(b.on_error(emfile, t0 + 3s).pause, 100ms);
    EXPECT_EQ(b.pauses(), 7u);
}

TEST(AcceptBackoff, ReportsTheFirstPauseAtOnceThenOncePerIntervalWithACount) {
    accept_backoff b;
    auto d = b.on_error(emfile, t0);
    ASSERT_TRUE(d.to_report);
    EXPECT_EQ(d.to_report->pauses, 1u);
    EXPECT_EQ(d.to_report->error, emfile);
    // Many more failures inside the interval: counted, not reported.
    int reported = 0;
    for (int i = 1; i < 50; ++i) {
        if (b.on_error(emfile, t0 + i * 100ms).to_report) ++reported;
        b.on_accepted(t0 + i * 100ms + 1ms);
    }
    EXPECT_EQ(reported, 0);
    d = b.on_error(emfile, t0 + accept_backoff::report_interval);
    ASSERT_TRUE(d.to_report);
    EXPECT_EQ(d.to_report->pauses, 50u);
    EXPECT_EQ(b.pauses(), 51u);
}

TEST(AcceptBackoff, TheEndOfARunOfPausesIsReportedAtMostOncePerInterval) {
    accept_backoff b;
    EXPECT_FALSE(b.on_accepted(t0));  // nothing paused yet
    b.on_error(emfile, t0);
    EXPECT_TRUE(b.on_accepted(t0 + 100ms));
    EXPECT_FALSE(b.on_accepted(t0 + 101ms));  // already accepting
    // Churn at the limit: fail, accept, fail, accept... is not a line each time.
    b.on_error(emfile, t0 + 200ms);
    EXPECT_FALSE(b.on_accepted(t0 + 300ms));
    b.on_error(emfile, t0 + accept_backoff::report_interval + 100ms);
    EXPECT_TRUE(b.on_accepted(t0 + accept_backoff::report_interval + 200ms));
}

}  // namespace

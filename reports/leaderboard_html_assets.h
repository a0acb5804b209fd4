// Inline CSS and JavaScript of leaderboard.html (see leaderboard_html_assets.cpp).
#pragma once

namespace qb::reports {

const char* leaderboard_css();
const char* leaderboard_js();

}  // namespace qb::reports

#pragma once
// The label of a figure that is not shown: what suppression decides (suppression.hpp) and what a report
// carries instead of the number (report.hpp). Its own header so that neither of them includes the other.
namespace svarboks::server {

/// Why a figure is not shown. Both look the same to a reader apart from the wording; neither carries a number.
enum class Hidden {
    No,
    FewerThanK,   ///< about fewer than k respondents
    Secondary,    ///< shown, it would let a hidden figure be worked out by subtraction
};

}  // namespace svarboks::server

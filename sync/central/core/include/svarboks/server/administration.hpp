#pragma once
// Administering units and kiosks: the operations that `svarboks-central` (units, enroll, devices) and the
// dashboard's Administration pages both call, so that each rule lives once. Every input is checked here,
// every refusal says which input and what to fix (AdminError), and every change is written to the audit
// log under the name of whoever made it (never a response).
//
// A retired unit keeps its responses, its reports and its kiosks: they still sync, so that nothing a
// respondent gave is lost. It gets no new enrolment code, and its unused codes stop working.
//
// Thread-safe as the store is: one Administration per caller (it names who acts).
#include "svarboks/server/clock.hpp"
#include "svarboks/server/storage.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace svarboks::server {

/// What was wrong with an administrative request; the form field it is about is field().
enum class AdminProblem {
    InvalidUnitId,   ///< not 1-64 characters of a-z, 0-9, '-', '_', '.'
    TakenUnitId,     ///< a unit with this id exists
    InvalidName,     ///< empty, over 200 characters, or control characters
    InvalidGroup,    ///< a new group name that is not a valid name
    UnknownGroup,    ///< not one of the existing groups (when a new one was not asked for)
    UnknownUnit,
    RetiredUnit,     ///< it gets no new enrolment code
    UnknownDevice,
    InvalidLifetime, ///< an enrolment code's lifetime outside 1 minute to kMaxCodeLifetime
    // accounts (account_admin.hpp)
    InvalidUserName, ///< not 1-64 characters of a-z, 0-9, '.', '_', '-', '@'
    TakenUserName,   ///< an account with this name exists
    UnknownUser,
    InvalidRole,     ///< not administrator, analyst or unit-leader
    MissingScope,    ///< a unit leader without a unit or group
    ScopeNotAllowed, ///< units or groups for a role that sees every unit
    UnknownScopeUnit,
    UnknownScopeGroup,
    InvalidPassword, ///< too short, too long, control characters
    PasswordsDiffer, ///< the repeated new password is not the same
    WrongPassword,   ///< the current password given is not the account's
    AccountLocked,   ///< too many wrong passwords (at sign-in or here): nothing is checked until the lock ends
    SelfLockout,     ///< an administrator would disable, remove, demote or reset themselves
    LastAdministrator, ///< no enabled administrator would be left
    Store,           ///< the store failed; the message says how
};

struct AdminError {
    AdminProblem problem = AdminProblem::Store;
    std::string message;  ///< English, says which input and what to fix (the command line prints it)
    /// The form field the problem is about: "id", "name", "group", "unit", "device", "expires"; for accounts
    /// "name", "role", "scope", "password", "again", "current"; "" for Store and the lockouts.
    [[nodiscard]] std::string_view field() const;
};

/// A value or an AdminError.
template <class T>
class [[nodiscard]] AdminResult {
public:
    AdminResult(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    AdminResult(AdminError error) : m_data(std::in_place_index<1>, std::move(error)) {}
    [[nodiscard]] bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const T& value() const { return std::get<0>(m_data); }
    const T& operator*() const { return value(); }
    const T* operator->() const { return &value(); }
    [[nodiscard]] const AdminError& error() const { return std::get<1>(m_data); }

private:
    std::variant<T, AdminError> m_data;
};

struct AdminDone {};
using AdminStatus = AdminResult<AdminDone>;

/// Writes a change that is done to the audit log at `at` under `actor`; a failure is a Store AdminError
/// that says the change is done but not logged.
AdminStatus auditChange(AuditStore& storage, TimePoint at, const std::string& actor, const std::string& action, const std::string& detail);

/// 1-64 characters of a-z, 0-9, '-', '_' and '.', not starting with '-' or '.', and not "*".
[[nodiscard]] bool isValidUnitId(std::string_view id);
/// A unit or group name: 1-200 characters, no control characters.
[[nodiscard]] bool isValidUnitName(std::string_view name);

/// A unit as the lists show it.
struct UnitSummary {
    Unit unit;
    std::size_t kiosks = 0;  ///< enrolled and not revoked
};

/// A new enrolment code, shown once: the store keeps only its hash.
struct EnrolmentCode {
    std::string code;
    Unit unit;
    TimePoint expires;
};

/// Where moveUnit puts a unit.
struct GroupChoice {
    std::string group;     ///< "" = no group
    bool newGroup = false; ///< a group no unit is in yet; otherwise it must be an existing one
};

class Administration {
public:
    /// `actor` is the audit log's user: an account name, or "(command line)".
    Administration(Storage& storage, std::string actor, Clock clock = systemClock());

    /// Every unit by id, with its kiosk count.
    [[nodiscard]] Result<std::vector<UnitSummary>> units();
    /// The groups units are in, sorted, without "".
    [[nodiscard]] Result<std::vector<std::string>> groups();
    /// Every kiosk, by unit, enrolment date and id (revoked ones included).
    [[nodiscard]] Result<std::vector<Device>> kiosks();

    /// Adds a unit (never retired). Its group must be an existing one unless `newGroup`.
    AdminStatus addUnit(const Unit& unit, bool newGroup = true);
    AdminStatus renameUnit(const std::string& id, const std::string& name);
    AdminStatus moveUnit(const std::string& id, const GroupChoice& to);
    AdminStatus retireUnit(const std::string& id);
    /// A one-time code for a kiosk of a unit that is not retired, valid for `lifetime`.
    AdminResult<EnrolmentCode> makeEnrolmentCode(const std::string& unitId, std::chrono::seconds lifetime);
    /// Revokes a kiosk: its next request gets 401. Its responses already stored stay.
    AdminStatus revokeKiosk(const std::string& deviceId);

private:
    [[nodiscard]] AdminResult<Unit> existingUnit(const std::string& id);
    /// Checks the group of a unit to be added or moved ("" = none).
    [[nodiscard]] AdminStatus checkGroup(const GroupChoice& choice);
    /// Writes the change to the audit log; a failure is an AdminError (the change itself is done).
    AdminStatus audit(const std::string& action, const std::string& detail);

    Storage& m_storage;
    std::string m_actor;
    Clock m_clock;
};

/// A QR code's modules, row by row (true = dark), without the quiet zone; nullopt when this build has no
/// libqrencode or the text does not fit.
struct QrMatrix {
    int width = 0;
    std::vector<bool> dark;
    [[nodiscard]] bool at(int x, int y) const {
        return x >= 0 && y >= 0 && x < width && y < width && dark[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)];
    }
};
[[nodiscard]] std::optional<QrMatrix> qrMatrix(const std::string& text);

}  // namespace svarboks::server

#include "svarboks/server/administration.hpp"

#include "svarboks/server/enrolment.hpp"

#ifdef SVARBOKS_HAVE_QRENCODE
#include <qrencode.h>
#endif

#include <algorithm>
#include <map>
#include <set>

namespace svarboks::server {

namespace {

AdminError storeError(const std::string& message) { return {AdminProblem::Store, message}; }

bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// An input checked before anything is stored; the message says what is accepted.
std::optional<AdminError> checkName(const std::string& name, AdminProblem problem, const std::string& what) {
    if (isValidUnitName(name)) return std::nullopt;
    if (name.empty()) return AdminError{problem, what + " is empty: give 1-200 characters"};
    if (name.size() > 200) return AdminError{problem, what + " is " + std::to_string(name.size()) + " bytes long: at most 200"};
    return AdminError{problem, what + " holds a control character (such as a line break): remove it"};
}

}  // namespace

std::string_view AdminError::field() const {
    switch (problem) {
        case AdminProblem::InvalidUnitId:
        case AdminProblem::TakenUnitId: return "id";
        case AdminProblem::InvalidName: return "name";
        case AdminProblem::InvalidGroup:
        case AdminProblem::UnknownGroup: return "group";
        case AdminProblem::UnknownUnit:
        case AdminProblem::RetiredUnit: return "unit";
        case AdminProblem::UnknownDevice: return "device";
        case AdminProblem::InvalidLifetime: return "expires";
        case AdminProblem::InvalidUserName:
        case AdminProblem::TakenUserName:
        case AdminProblem::UnknownUser: return "name";
        case AdminProblem::InvalidRole: return "role";
        case AdminProblem::MissingScope:
        case AdminProblem::ScopeNotAllowed:
        case AdminProblem::UnknownScopeUnit:
        case AdminProblem::UnknownScopeGroup: return "scope";
        case AdminProblem::InvalidPassword: return "password";
        case AdminProblem::PasswordsDiffer: return "again";
        case AdminProblem::WrongPassword:
        case AdminProblem::AccountLocked: return "current";
        case AdminProblem::SelfLockout:
        case AdminProblem::LastAdministrator:
        case AdminProblem::Store: break;
    }
    return "";
}

bool isValidUnitId(std::string_view id) {
    if (id.empty() || id.size() > 64 || id == kAllUnits) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
           }) && id.front() != '-' && id.front() != '.';
}

bool isValidUnitName(std::string_view name) { return !name.empty() && name.size() <= 200 && std::none_of(name.begin(), name.end(), isControl); }

Administration::Administration(Storage& storage, std::string actor, Clock clock)
    : m_storage(storage), m_actor(std::move(actor)), m_clock(std::move(clock)) {}

Result<std::vector<UnitSummary>> Administration::units() {
    auto units = m_storage.units();
    if (!units) return units.error();
    auto devices = m_storage.devices();
    if (!devices) return devices.error();
    std::map<std::string, std::size_t> kiosks;
    for (const auto& device : *devices) {
        if (!device.revoked) ++kiosks[device.unitId];
    }
    std::vector<UnitSummary> list;
    for (auto& unit : *units) {
        const std::size_t count = kiosks[unit.id];
        list.push_back({std::move(unit), count});
    }
    return list;
}

Result<std::vector<std::string>> Administration::groups() {
    auto units = m_storage.units();
    if (!units) return units.error();
    std::set<std::string> groups;
    for (const auto& unit : *units) {
        if (!unit.group.empty()) groups.insert(unit.group);
    }
    return std::vector<std::string>(groups.begin(), groups.end());
}

Result<std::vector<Device>> Administration::kiosks() { return m_storage.devices(); }

AdminResult<Unit> Administration::existingUnit(const std::string& id) {
    auto unit = m_storage.findUnit(id);
    if (!unit) return storeError(unit.error().message);
    if (!*unit) return AdminError{AdminProblem::UnknownUnit, "there is no unit '" + id + "' (see: units list)"};
    return **unit;
}

AdminStatus auditChange(AuditStore& storage, TimePoint at, const std::string& actor, const std::string& action, const std::string& detail) {
    if (auto status = storage.addAudit({utcSecond(at), actor, action, detail, 0}); !status) {
        return storeError("done, but not in the audit log: " + status.message());
    }
    return AdminDone{};
}

AdminStatus Administration::audit(const std::string& action, const std::string& detail) { return auditChange(m_storage, m_clock(), m_actor, action, detail); }

AdminStatus Administration::checkGroup(const GroupChoice& choice) {
    if (choice.group.empty() && !choice.newGroup) return AdminDone{};
    if (auto bad = checkName(choice.group, AdminProblem::InvalidGroup, "the group")) return *bad;
    if (choice.newGroup) return AdminDone{};
    auto known = groups();
    if (!known) return storeError(known.error().message);
    if (std::find(known->begin(), known->end(), choice.group) == known->end()) {
        return AdminError{AdminProblem::UnknownGroup, "there is no group '" + choice.group + "': choose one of the list, or make a new one"};
    }
    return AdminDone{};
}

AdminStatus Administration::addUnit(const Unit& unit, bool newGroup) {
    if (!isValidUnitId(unit.id)) {
        return AdminError{AdminProblem::InvalidUnitId, "unit id '" + unit.id + "': use 1-64 characters of a-z, 0-9, '-', '_' and '.', "
                                                       "starting with a letter or digit"};
    }
    if (auto bad = checkName(unit.name, AdminProblem::InvalidName, "the name")) return *bad;
    if (auto group = checkGroup({unit.group, newGroup && !unit.group.empty()}); !group) return group.error();
    auto existing = m_storage.findUnit(unit.id);
    if (!existing) return storeError(existing.error().message);
    if (*existing) return AdminError{AdminProblem::TakenUnitId, "unit id '" + unit.id + "' is taken (by " + (*existing)->name + "): choose another"};
    if (auto status = m_storage.addUnit({unit.id, unit.name, unit.group, false}); !status) return storeError(status.message());
    return audit("add-unit", unit.id + " (" + unit.name + ")" + (unit.group.empty() ? "" : " in group " + unit.group));
}

AdminStatus Administration::renameUnit(const std::string& id, const std::string& name) {
    if (auto bad = checkName(name, AdminProblem::InvalidName, "the new name")) return *bad;
    auto unit = existingUnit(id);
    if (!unit) return unit.error();
    if (auto status = m_storage.renameUnit(id, name); !status) return storeError(status.message());
    return audit("rename-unit", id + " from " + unit->name + " to " + name);
}

AdminStatus Administration::moveUnit(const std::string& id, const GroupChoice& to) {
    auto unit = existingUnit(id);
    if (!unit) return unit.error();
    if (auto group = checkGroup(to); !group) return group.error();
    if (auto status = m_storage.setUnitGroup(id, to.group); !status) return storeError(status.message());
    return audit("move-unit", id + (to.group.empty() ? " to no group" : " to group " + to.group));
}

AdminStatus Administration::retireUnit(const std::string& id) {
    auto unit = existingUnit(id);
    if (!unit) return unit.error();
    if (auto status = m_storage.retireUnit(id); !status) return storeError(status.message());
    return audit("retire-unit", id + " (" + unit->name + ")");
}

AdminResult<EnrolmentCode> Administration::makeEnrolmentCode(const std::string& unitId, std::chrono::seconds lifetime) {
    if (lifetime < std::chrono::minutes(1) || lifetime > kMaxCodeLifetime) {
        return AdminError{AdminProblem::InvalidLifetime, "a code is valid for 1 minute to 30 days, not " + describeLifetime(lifetime)};
    }
    auto unit = existingUnit(unitId);
    if (!unit) return unit.error();
    if (unit->retired) return AdminError{AdminProblem::RetiredUnit, "unit '" + unitId + "' is retired: it gets no new enrolment code"};
    EnrolmentCode made{generateEnrolmentCode(), *unit, m_clock() + lifetime};
    if (auto status = m_storage.addEnrolmentCode(enrolmentCodeHash(made.code), unitId, unixSeconds(made.expires)); !status) {
        return storeError(status.message());
    }
    // The code itself is never written anywhere but to whoever asked for it.
    if (auto audited = audit("make-enrolment-code", unitId + ", valid " + describeLifetime(lifetime)); !audited) return audited.error();
    return made;
}

AdminStatus Administration::revokeKiosk(const std::string& deviceId) {
    auto device = m_storage.findDevice(deviceId);
    if (!device) return storeError(device.error().message);
    if (!*device) return AdminError{AdminProblem::UnknownDevice, "there is no kiosk '" + deviceId + "' (see: devices list)"};
    if (auto status = m_storage.revokeDevice(deviceId); !status) return storeError(status.message());
    return audit("revoke-kiosk", deviceId + " of unit " + (*device)->unitId);
}

std::optional<QrMatrix> qrMatrix(const std::string& text) {
#ifdef SVARBOKS_HAVE_QRENCODE
    QRcode* qr = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == nullptr) return std::nullopt;
    QrMatrix matrix;
    matrix.width = qr->width;
    const auto size = static_cast<std::size_t>(qr->width) * static_cast<std::size_t>(qr->width);
    matrix.dark.reserve(size);
    for (std::size_t i = 0; i < size; ++i) matrix.dark.push_back((qr->data[i] & 1) != 0);
    QRcode_free(qr);
    return matrix;
#else
    static_cast<void>(text);
    return std::nullopt;
#endif
}

}  // namespace svarboks::server

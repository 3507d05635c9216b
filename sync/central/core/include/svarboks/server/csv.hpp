#pragma once
// A small streaming CSV writer for exports and reports, in two dialects:
//
// - Standard (RFC 4180): ',' between cells, '.' as decimal mark, UTF-8 without BOM, CRLF line ends.
// - DanishExcel: ';' between cells, ',' as decimal mark, a UTF-8 BOM first (so that Excel reads UTF-8), CRLF.
//
// A cell is quoted ("...", with '"' doubled) when it holds the separator, '"', CR or LF.
//
// CSV injection: a text cell that starts with '=', '+', '-', '@', TAB or CR could run as a formula in a
// spreadsheet. Such a cell gets a single quote (') in front and is always quoted (OWASP's advice), so that
// `=cmd|' /C calc'!A0` is written as `"'=cmd|' /C calc'!A0"` and shown as text. Numbers written with
// number()/integer() are never changed: -1 stays the number -1, while the text "-1" becomes "'-1".
//
// Output is buffered and passed to the sink in chunks of about 64 KiB (and at flush()), so the sink can be
// a file, a string or an HTTP response streamed in chunks. Not thread-safe: one writer per export.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace svarboks::server {

enum class CsvDialect {
    Standard,     ///< RFC 4180: ',' separator, '.' decimals, no BOM, CRLF
    DanishExcel,  ///< ';' separator, ',' decimals, UTF-8 BOM, CRLF
};

/// Receives the next chunk of output; returns false to stop (e.g. the disk is full or the client left).
using CsvSink = std::function<bool(std::string_view)>;

class CsvWriter {
public:
    /// The BOM of DanishExcel is the first thing passed to the sink.
    CsvWriter(CsvDialect dialect, CsvSink sink);
    CsvWriter(const CsvWriter&) = delete;
    CsvWriter& operator=(const CsvWriter&) = delete;

    /// A text cell (UTF-8), neutralised against CSV injection and quoted as needed (see above).
    void text(std::string_view value);
    /// A number in the shortest form that reads back as the same double, with the dialect's decimal mark.
    /// A value that is not finite (NaN, infinity) is written as an empty cell.
    void number(double value);
    /// A number with exactly `decimals` digits after the dialect's decimal mark (0..17).
    void number(double value, int decimals);
    void integer(long long value);
    /// An empty cell (e.g. an unanswered question).
    void empty();

    /// Ends the row with CRLF; passes the buffer to the sink once it holds 64 KiB or more.
    /// Returns false once the sink has refused a chunk (nothing more is passed to it).
    bool endRow();
    /// Ends the row with `rest`: what a writer of the same dialect wrote after the same cells, its CRLF
    /// included (exports put rows together from parts formatted earlier). Otherwise as endRow().
    bool endRowWith(std::string_view rest);
    /// Passes everything buffered to the sink. Call it once at the end: the destructor does not flush.
    [[nodiscard]] bool flush();
    /// False once the sink has refused a chunk.
    [[nodiscard]] bool ok() const { return m_ok; }
    [[nodiscard]] CsvDialect dialect() const { return m_dialect; }

private:
    void separate();
    void numberText(std::string_view digits);

    CsvDialect m_dialect;
    CsvSink m_sink;
    std::string m_buffer;
    char m_separator;
    bool m_rowStarted = false;
    bool m_ok = true;
};

}  // namespace svarboks::server

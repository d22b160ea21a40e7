//! The usage CSV of `tidescale vpa recommend`: a header naming the columns `timestamp`,
//! `container`, `cpu`, `memory` (any order; `cpu` or `memory` may be left out), then one sample
//! per row. Read with the `csv` crate (RFC 4180: a field may be quoted, `"a,b"`, `""` for a
//! quote; fields are trimmed). Rows are numbered as lines of the file (the header is row 1);
//! blank lines and lines starting with `#` are skipped.

use std::fmt;

use tidescale::{Quantity, Timestamp};

/// One usage sample.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    /// The row (line number in the file).
    pub(crate) row: usize,
    /// When it was measured.
    pub(crate) time: Timestamp,
    /// The container name.
    pub(crate) container: String,
    /// CPU in cores, if given.
    pub(crate) cpu: Option<f64>,
    /// Memory in bytes, if given.
    pub(crate) memory: Option<f64>,
}

/// A column of the CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Timestamp,
    Container,
    Cpu,
    Memory,
}

impl Column {
    const ALL: [Self; 4] = [Self::Timestamp, Self::Container, Self::Cpu, Self::Memory];

    fn name(self) -> &'static str {
        match self {
            Self::Timestamp => "timestamp",
            Self::Container => "container",
            Self::Cpu => "cpu",
            Self::Memory => "memory",
        }
    }
}

/// What is wrong with a usage CSV.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CsvErrorKind {
    /// No header row.
    Empty,
    /// A header column that is not one of the four.
    UnknownColumn(String),
    /// A column named twice in the header.
    DuplicateColumn(&'static str),
    /// A required column missing from the header.
    MissingColumn(&'static str),
    /// A quote that does not close, or a quote inside an unquoted field.
    BadQuoting,
    /// A row with a different number of fields than the header.
    FieldCount { expected: usize, got: usize },
    /// An empty `timestamp` or `container`.
    EmptyField(&'static str),
    /// Neither `cpu` nor `memory` has a value.
    NoValue,
    /// A value that does not parse.
    Malformed {
        column: &'static str,
        value: String,
        expected: &'static str,
    },
    /// NaN, infinite or negative.
    OutOfRange { column: &'static str, value: String },
    /// No samples at all.
    NoSamples,
}

/// A [`CsvErrorKind`] at a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CsvError {
    /// The row (line number); `None` for the file as a whole.
    pub(crate) row: Option<usize>,
    pub(crate) kind: CsvErrorKind,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(r) = self.row {
            write!(f, "row {r}: ")?;
        }
        match &self.kind {
            CsvErrorKind::Empty => {
                f.write_str("empty file; expected a header such as timestamp,container,cpu,memory")
            }
            CsvErrorKind::UnknownColumn(c) => write!(
                f,
                "unknown column {c:?}; the columns are timestamp, container, cpu, memory"
            ),
            CsvErrorKind::DuplicateColumn(c) => write!(f, "column {c} appears twice"),
            CsvErrorKind::MissingColumn(c) => write!(f, "the header has no {c} column"),
            CsvErrorKind::BadQuoting => f.write_str("unbalanced quotes"),
            CsvErrorKind::FieldCount { expected, got } => {
                write!(f, "{got} fields, but the header has {expected} columns")
            }
            CsvErrorKind::EmptyField(c) => write!(f, "field {c} is empty"),
            CsvErrorKind::NoValue => f.write_str("neither cpu nor memory has a value"),
            CsvErrorKind::Malformed {
                column,
                value,
                expected,
            } => write!(f, "field {column}: {value:?} is not {expected}"),
            CsvErrorKind::OutOfRange { column, value } => {
                write!(f, "field {column}: {value:?} must be a finite number >= 0")
            }
            CsvErrorKind::NoSamples => f.write_str("no samples after the header"),
        }
    }
}

/// Line numbers from the byte offsets the `csv` crate gives (its own positions point before
/// the empty and comment lines it skipped); records come in file order, so each count starts
/// where the last stopped.
struct LineCounter<'a> {
    text: &'a str,
    byte: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            byte: 0,
            line: 1,
        }
    }

    /// The 1-based line a record starts on.
    fn line_of(&mut self, pos: Option<&csv::Position>) -> usize {
        let mut byte = pos
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.byte)
            .clamp(self.byte, self.text.len());
        // The crate's position is where it started reading: before the empty and comment
        // lines it skipped. The record starts after them.
        let bytes = self.text.as_bytes();
        while let Some(b) = bytes.get(byte) {
            match b {
                b'\n' | b'\r' => byte += 1,
                b'#' => {
                    byte = bytes
                        .get(byte..)
                        .and_then(|rest| rest.iter().position(|c| *c == b'\n'))
                        .map_or(bytes.len(), |i| byte + i + 1);
                }
                _ => break,
            }
        }
        let skipped = self
            .text
            .as_bytes()
            .get(self.byte..byte)
            .unwrap_or_default();
        self.line += skipped.iter().filter(|b| **b == b'\n').count();
        self.byte = byte;
        self.line
    }
}

fn err(row: usize, kind: CsvErrorKind) -> CsvError {
    CsvError {
        row: Some(row),
        kind,
    }
}

/// Unix seconds (float) or RFC 3339.
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(v) = s.parse::<f64>() {
        return Timestamp::from_secs_f64(v);
    }
    Timestamp::parse_rfc3339(s)
}

/// A plain number, else a Kubernetes quantity, as a float of its unit (cores, bytes).
fn parse_amount(column: &'static str, row: usize, s: &str) -> Result<Option<f64>, CsvError> {
    if s.is_empty() {
        return Ok(None);
    }
    let out_of_range = || {
        err(
            row,
            CsvErrorKind::OutOfRange {
                column,
                value: s.to_owned(),
            },
        )
    };
    let v = match s.parse::<f64>() {
        Ok(v) => v,
        Err(_) => {
            let q: Quantity = s.parse().map_err(|_| {
                err(
                    row,
                    CsvErrorKind::Malformed {
                        column,
                        value: s.to_owned(),
                        expected: if column == "cpu" {
                            "a number of cores or a quantity such as 250m"
                        } else {
                            "a number of bytes or a quantity such as 512Mi"
                        },
                    },
                )
            })?;
            if q.milli_value() < 0 {
                return Err(out_of_range());
            }
            q.as_f64()
        }
    };
    if !v.is_finite() || v < 0.0 {
        return Err(out_of_range());
    }
    Ok(Some(v))
}

/// Reads the samples of a usage CSV.
pub(crate) fn read(text: &str) -> Result<Vec<Sample>, CsvError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::new(text);
    let mut records = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut rec) {
            Ok(false) => break,
            // a line of only spaces is one empty field: skipped like an empty line
            Ok(true) if rec.iter().all(str::is_empty) => {}
            Ok(true) => {
                let row = lines.line_of(rec.position());
                let end = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
                let raw = text.get(lines.byte..end).unwrap_or_default();
                // Balanced quoting has an even number of quote characters in a record; and
                // no column holds a line break, so a field spanning lines is a quote left open.
                if raw.bytes().filter(|b| *b == b'"').count() % 2 == 1
                    || rec.iter().any(|f| f.contains(['\n', '\r']))
                {
                    return Err(err(row, CsvErrorKind::BadQuoting));
                }
                records.push((row, rec.clone()));
            }
            Err(e) => return Err(err(lines.line_of(e.position()), CsvErrorKind::BadQuoting)),
        }
    }
    let mut records = records.into_iter();
    let Some((header_row, names)) = records.next() else {
        return Err(CsvError {
            row: None,
            kind: CsvErrorKind::Empty,
        });
    };
    let mut columns: Vec<Column> = Vec::with_capacity(names.len());
    for n in &names {
        let lower = n.trim().to_ascii_lowercase();
        let Some(c) = Column::ALL.into_iter().find(|c| c.name() == lower) else {
            return Err(err(header_row, CsvErrorKind::UnknownColumn(n.to_owned())));
        };
        if columns.contains(&c) {
            return Err(err(header_row, CsvErrorKind::DuplicateColumn(c.name())));
        }
        columns.push(c);
    }
    for required in [Column::Timestamp, Column::Container] {
        if !columns.contains(&required) {
            return Err(err(
                header_row,
                CsvErrorKind::MissingColumn(required.name()),
            ));
        }
    }
    if !columns.contains(&Column::Cpu) && !columns.contains(&Column::Memory) {
        return Err(err(
            header_row,
            CsvErrorKind::MissingColumn("cpu or memory"),
        ));
    }
    let mut samples = Vec::new();
    for (row, fields) in records {
        if fields.len() != columns.len() {
            return Err(err(
                row,
                CsvErrorKind::FieldCount {
                    expected: columns.len(),
                    got: fields.len(),
                },
            ));
        }
        let (mut time, mut container, mut cpu, mut memory) = (None, None, None, None);
        for (c, v) in columns.iter().zip(&fields) {
            let v = v.trim();
            match c {
                Column::Timestamp => {
                    if v.is_empty() {
                        return Err(err(row, CsvErrorKind::EmptyField("timestamp")));
                    }
                    time = Some(parse_time(v).ok_or_else(|| {
                        err(
                            row,
                            CsvErrorKind::Malformed {
                                column: "timestamp",
                                value: v.to_owned(),
                                expected: "Unix seconds or an RFC 3339 time",
                            },
                        )
                    })?);
                }
                Column::Container => {
                    if v.is_empty() {
                        return Err(err(row, CsvErrorKind::EmptyField("container")));
                    }
                    container = Some(v.to_owned());
                }
                Column::Cpu => cpu = parse_amount("cpu", row, v)?,
                Column::Memory => memory = parse_amount("memory", row, v)?,
            }
        }
        let (Some(time), Some(container)) = (time, container) else {
            continue; // unreachable: both columns are required above
        };
        if cpu.is_none() && memory.is_none() {
            return Err(err(row, CsvErrorKind::NoValue));
        }
        samples.push(Sample {
            row,
            time,
            container,
            cpu,
            memory,
        });
    }
    if samples.is_empty() {
        return Err(CsvError {
            row: None,
            kind: CsvErrorKind::NoSamples,
        });
    }
    Ok(samples)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields() {
        let s = read(
            "timestamp,container,cpu\n\
             1,\"a,b\",1\n\
             2,\"say \"\"hi\"\"\" ,2\n",
        )
        .unwrap();
        assert_eq!(s[0].container, "a,b");
        assert_eq!(s[1].container, "say \"hi\"");
        // an open quote runs to the end of the file: reported at the row it opens on
        let e = read("timestamp,container,cpu\n1,a,1\n\"2,a,1\n3,a,1\n").unwrap_err();
        assert_eq!((e.row, e.kind), (Some(3), CsvErrorKind::BadQuoting));
        for bad in ["\"1,a,1", "\"1,a,1\n", "1,a\"b,1\n"] {
            let e = read(&format!("timestamp,container,cpu\n{bad}")).unwrap_err();
            assert_eq!(
                (e.row, e.kind),
                (Some(2), CsvErrorKind::BadQuoting),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rows_are_lines_of_the_file_across_blanks_comments_and_crlf() {
        let e = read(
            "\u{feff}# usage of app\r\n\r\ntimestamp,container,cpu\r\n  \r\n1,a,1\r\n# x\r\n2,a,lots\r\n",
        )
        .unwrap_err();
        assert_eq!(e.row, Some(7));
        assert_eq!(
            e.to_string(),
            "row 7: field cpu: \"lots\" is not a number of cores or a quantity such as 250m"
        );
        let e = read("\n\ntimestamp,container,gpu\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 3: unknown column \"gpu\"; the columns are timestamp, container, cpu, memory"
        );
    }

    #[test]
    fn reads_any_column_order_and_units() {
        let s = read(
            "memory,container,timestamp,cpu\n\
             512Mi,app,2023-11-15T00:00:00Z,250m\n\
             # a comment\n\
             \n\
             1000,app,1700006460.5,\n",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].time, Timestamp::from_secs(1_700_006_400));
        assert_eq!(s[0].cpu, Some(0.25));
        assert_eq!(s[0].memory, Some(536_870_912.0));
        assert_eq!((s[1].row, s[1].cpu), (5, None));
        assert_eq!(s[1].time, Timestamp(1_700_006_460_500));
    }

    #[test]
    fn errors_carry_the_row() {
        let e = |t: &str| read(t).unwrap_err();
        assert_eq!(
            e("timestamp,container,cpu,gpu\n").kind,
            CsvErrorKind::UnknownColumn("gpu".into())
        );
        assert_eq!(
            e("timestamp,cpu\n").kind,
            CsvErrorKind::MissingColumn("container")
        );
        let bad = e("timestamp,container,cpu\n1,a,0.1\n2,a,NaN\n");
        assert_eq!(bad.row, Some(3));
        assert!(matches!(bad.kind, CsvErrorKind::OutOfRange { .. }));
        let neg = e("timestamp,container,cpu\n1,a,-1m\n");
        assert!(matches!(neg.kind, CsvErrorKind::OutOfRange { .. }));
        // Rows going back in time are read in file order: the recommender discards late
        // samples as upstream does.
        let back = read("timestamp,container,cpu\n5,a,0.1\n6,b,0.1\n4,a,0.1\n5,a,0.2\n").unwrap();
        assert_eq!(
            back.iter()
                .map(|s| s.time.as_secs_f64())
                .collect::<Vec<_>>(),
            [5.0, 6.0, 4.0, 5.0]
        );
        assert_eq!(
            e("timestamp,container,cpu\n1,a\n").kind,
            CsvErrorKind::FieldCount {
                expected: 3,
                got: 2
            }
        );
        assert_eq!(
            e("timestamp,container,cpu,memory\n1,a,,\n").kind,
            CsvErrorKind::NoValue
        );
        assert!(matches!(
            e("timestamp,container,cpu\nyesterday,a,1\n").kind,
            CsvErrorKind::Malformed {
                column: "timestamp",
                ..
            }
        ));
        assert_eq!(e("").kind, CsvErrorKind::Empty);
        assert_eq!(e("timestamp,container,cpu\n").kind, CsvErrorKind::NoSamples);
    }
}

//! The usage CSV of `tidescale vpa recommend`: a header naming the columns `timestamp`,
//! `container`, `cpu`, `memory` (any order; `cpu` or `memory` may be left out), then one sample
//! per row. Plain comma-separated values; a field may be quoted (`"a,b"`, `""` for a quote).
//! Rows are numbered as lines of the file (the header is row 1); blank lines and lines
//! starting with `#` are skipped.

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
    /// A quote that does not close, or text after a closing quote.
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

fn err(row: usize, kind: CsvErrorKind) -> CsvError {
    CsvError {
        row: Some(row),
        kind,
    }
}

/// Splits one line into fields: commas separate, a field may be wrapped in double quotes, and
/// `""` inside quotes is a quote. Fields are trimmed outside quotes.
pub(crate) fn split_line(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return None,
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                chars.next();
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Some(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => return None,
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field.trim().to_owned());
                        return Some(fields);
                    }
                    Some(',') => break,
                    Some('"') => return None,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field.trim().to_owned());
        }
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
    let mut lines = text
        .trim_start_matches('\u{feff}')
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((header_row, header)) = lines.next() else {
        return Err(CsvError {
            row: None,
            kind: CsvErrorKind::Empty,
        });
    };
    let names = split_line(header).ok_or_else(|| err(header_row, CsvErrorKind::BadQuoting))?;
    let mut columns: Vec<Column> = Vec::with_capacity(names.len());
    for n in &names {
        let lower = n.trim().to_ascii_lowercase();
        let Some(c) = Column::ALL.into_iter().find(|c| c.name() == lower) else {
            return Err(err(header_row, CsvErrorKind::UnknownColumn(n.clone())));
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
    for (row, line) in lines {
        let fields = split_line(line).ok_or_else(|| err(row, CsvErrorKind::BadQuoting))?;
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
        assert_eq!(
            split_line(r#"1, "a,b" ,"say ""hi""",x"#).unwrap(),
            vec!["1", "a,b", "say \"hi\"", "x"]
        );
        assert_eq!(split_line("a,,b").unwrap(), vec!["a", "", "b"]);
        assert!(split_line(r#""open,b"#).is_none());
        assert!(split_line(r#""a"b,c"#).is_none());
        assert!(split_line(r#"a"b,c"#).is_none());
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

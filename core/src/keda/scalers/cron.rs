//! `cron`: a window between a start and an end schedule, in an IANA time zone (spec §1.6).
//!
//! Schedules use the 5-field format KEDA's parser accepts (minute hour day-of-month month
//! day-of-week; names, ranges, lists and steps; no `@daily` descriptors). The next fire time is
//! computed exactly as `robfig/cron/v3` `SpecSchedule.Next` does, walking local wall time with
//! Go's `time.Date` normalisation, so DST gaps and repeats behave as upstream. Time zones come
//! from the IANA database in `chrono-tz`.

use std::collections::BTreeMap;

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::Tz;

use super::{Meta, ScalerReading};
use crate::Timestamp;
use crate::keda::KedaError;
use crate::keda::goparse::{go_parse_int, normalize_metric_name};
use crate::time::{civil_from_days, days_from_civil};

const SCALER: &str = "cron";
const STAR_BIT: u64 = 1 << 63;

/// A parsed 5-field cron schedule (bit sets as robfig/cron keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CronSchedule {
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
    /// A `TZ=`/`CRON_TZ=` prefix overrides the trigger's time zone.
    location: Option<Tz>,
}

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

impl CronSchedule {
    /// Parses a 5-field schedule (robfig/cron with `Minute|Hour|Dom|Month|Dow`).
    ///
    /// ```
    /// use tidescale::keda::scalers::CronSchedule;
    /// assert!(CronSchedule::parse("0,30 * * * Mon-Fri").is_ok());
    /// assert!(CronSchedule::parse("@daily").is_err());
    /// assert!(CronSchedule::parse("-30 * * * *").is_err());
    /// ```
    pub fn parse(spec: &str) -> Result<Self, KedaError> {
        let err = |reason: String| KedaError::Cron {
            expr: spec.to_owned(),
            reason,
        };
        if spec.is_empty() {
            return Err(err("empty spec string".to_owned()));
        }
        let mut rest = spec;
        let mut location = None;
        if let Some(r) = spec
            .strip_prefix("TZ=")
            .or_else(|| spec.strip_prefix("CRON_TZ="))
        {
            let end = r
                .find(' ')
                .ok_or_else(|| err("missing spec after time zone".to_owned()))?;
            let name = r.get(..end).unwrap_or("");
            location = Some(load_location(name)?);
            rest = r.get(end..).unwrap_or("").trim();
        }
        if rest.starts_with('@') {
            return Err(err("the parser does not accept descriptors".to_owned()));
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = fields.as_slice() else {
            return Err(err(format!(
                "expected exactly 5 fields, found {}",
                fields.len()
            )));
        };
        let f = |s: &str, b: &Bounds| get_field(s, b).map_err(&err);
        Ok(Self {
            minute: f(mi, &MINUTES)?,
            hour: f(h, &HOURS)?,
            dom: f(dom, &DOM)?,
            month: f(mo, &MONTHS)?,
            dow: f(dow, &DOW)?,
            location,
        })
    }

    fn day_matches(&self, c: &Civil) -> bool {
        let dom = self.dom & (1 << c.day) != 0;
        let dow = self.dow & (1 << c.weekday) != 0;
        if self.dom & STAR_BIT != 0 || self.dow & STAR_BIT != 0 {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// The first fire time strictly after `now` (whole seconds), in `tz` unless the schedule
    /// names its own; `None` when nothing matches within five years (robfig returns the zero
    /// time then).
    ///
    /// ```
    /// use tidescale::{Timestamp, keda::scalers::CronSchedule};
    /// let s = CronSchedule::parse("0 */2 * * *").unwrap();
    /// // 2024-01-05T14:10:00Z -> 16:00Z
    /// let next = s.next_after(Timestamp::from_secs(1_704_463_800), chrono_tz::UTC).unwrap();
    /// assert_eq!(next, 1_704_470_400);
    /// ```
    pub fn next_after(&self, now: Timestamp, tz: Tz) -> Option<i64> {
        let tz = self.location.unwrap_or(tz);
        // t.Add(1s - nanos): the next whole second.
        let mut t = now.as_millis().div_euclid(1000).saturating_add(1);
        let mut added = false;
        let year_limit = civil(t, tz).year + 5;
        'wrap: loop {
            let c = civil(t, tz);
            if c.year > year_limit {
                return None;
            }
            while self.month & (1 << c_month(t, tz)) == 0 {
                let c = civil(t, tz);
                if !added {
                    added = true;
                    t = go_date(c.year, c.month, 1, 0, 0, 0, tz);
                }
                let c = civil(t, tz);
                t = go_date(c.year, c.month + 1, c.day, c.hour, c.minute, c.second, tz);
                if civil(t, tz).month == 1 {
                    continue 'wrap;
                }
            }
            while !self.day_matches(&civil(t, tz)) {
                let c = civil(t, tz);
                if !added {
                    added = true;
                    t = go_date(c.year, c.month, c.day, 0, 0, 0, tz);
                }
                let c = civil(t, tz);
                t = go_date(c.year, c.month, c.day + 1, c.hour, c.minute, c.second, tz);
                // Notice if the hour is no longer midnight due to DST.
                let h = civil(t, tz).hour;
                if h != 0 {
                    if h > 12 {
                        t += i64::from(24 - h) * 3600;
                    } else {
                        t -= i64::from(h) * 3600;
                    }
                }
                if civil(t, tz).day == 1 {
                    continue 'wrap;
                }
            }
            while self.hour & (1 << civil(t, tz).hour) == 0 {
                let c = civil(t, tz);
                if !added {
                    added = true;
                    t = go_date(c.year, c.month, c.day, c.hour, 0, 0, tz);
                }
                t += 3600;
                if civil(t, tz).hour == 0 {
                    continue 'wrap;
                }
            }
            while self.minute & (1 << civil(t, tz).minute) == 0 {
                if !added {
                    added = true;
                    t -= t.rem_euclid(60);
                }
                t += 60;
                if civil(t, tz).minute == 0 {
                    continue 'wrap;
                }
            }
            // Second field is always "0".
            while civil(t, tz).second != 0 {
                added = true;
                t += 1;
                if civil(t, tz).second == 0 {
                    continue 'wrap;
                }
            }
            return Some(t);
        }
    }
}

fn c_month(t: i64, tz: Tz) -> u32 {
    civil(t, tz).month
}

/// robfig `getField`: comma-separated ranges OR-ed together.
fn get_field(field: &str, b: &Bounds) -> Result<u64, String> {
    let mut bits = 0u64;
    for expr in field.split(',') {
        bits |= get_range(expr, b)?;
    }
    Ok(bits)
}

/// robfig `getRange`: `*`, `?`, `n`, `a-b`, each with an optional `/step`.
fn get_range(expr: &str, b: &Bounds) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step
        .first()
        .copied()
        .unwrap_or("")
        .split('-')
        .collect();
    let single = low_and_high.len() == 1;
    let first = low_and_high.first().copied().unwrap_or("");
    let (start, mut end, mut extra);
    if first == "*" || first == "?" {
        start = b.min;
        end = b.max;
        extra = STAR_BIT;
    } else {
        start = parse_int_or_name(first, b.names)?;
        end = match low_and_high.as_slice() {
            [_] => start,
            [_, hi] => parse_int_or_name(hi, b.names)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match range_and_step.as_slice() {
        [_] => 1,
        [_, s] => {
            let step = must_parse_int(s)?;
            // "N/step" means "N-max/step".
            if single {
                end = b.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    let mut bits = 0u64;
    let mut i = start;
    while i <= end {
        bits |= 1 << i;
        i = i.saturating_add(step);
    }
    Ok(bits | extra)
}

fn parse_int_or_name(s: &str, names: &[(&str, u32)]) -> Result<u32, String> {
    let lower = s.to_ascii_lowercase();
    if let Some((_, v)) = names.iter().find(|(n, _)| *n == lower) {
        return Ok(*v);
    }
    must_parse_int(s)
}

/// `strconv.Atoi`, then non-negative.
fn must_parse_int(s: &str) -> Result<u32, String> {
    let v = go_parse_int(s).ok_or_else(|| format!("failed to parse int from {s}"))?;
    if v < 0 {
        return Err(format!("negative number ({v}) not allowed: {s}"));
    }
    // Anything above 63 fails the bounds check later; clamp so the shift stays defined.
    Ok(u32::try_from(v).unwrap_or(u32::MAX).min(1000))
}

/// Local wall-clock fields of a Unix second in `tz`.
#[derive(Debug, Clone, Copy)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    weekday: u32,
}

fn offset_at(unix: i64, tz: Tz) -> i64 {
    match DateTime::from_timestamp(unix, 0) {
        Some(dt) => i64::from(
            tz.offset_from_utc_datetime(&dt.naive_utc())
                .fix()
                .local_minus_utc(),
        ),
        None => 0,
    }
}

fn civil(unix: i64, tz: Tz) -> Civil {
    let local = unix.saturating_add(offset_at(unix, tz));
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        // 1970-01-01 was a Thursday (4).
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

/// Go `time.Date` in `tz`: fields normalised (month 13 is January next year, day 32 rolls
/// over), and a wall time in a DST gap or repeat resolved as Go does (offset of the zone
/// period containing `local - offset`).
fn go_date(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32, tz: Tz) -> i64 {
    let m0 = i64::from(month) - 1;
    let y = year + m0.div_euclid(12);
    let m = (m0.rem_euclid(12) + 1) as u32;
    let days = days_from_civil(y, m, 1) + i64::from(day) - 1;
    let local = days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec);
    let mut off = offset_at(local, tz);
    let utc = local - off;
    let off2 = offset_at(utc, tz);
    if off2 != off {
        off = off2;
    }
    local - off
}

/// Loads an IANA zone. `UTC` is UTC; Go's `Local` (the machine's zone) has no meaning here.
pub fn load_location(name: &str) -> Result<Tz, KedaError> {
    name.parse::<Tz>()
        .map_err(|_| KedaError::UnknownTimeZone(name.to_owned()))
}

/// Parsed `cron` trigger metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct CronMetadata {
    /// `timezone` (IANA).
    pub timezone: String,
    /// The zone itself.
    pub tz: Tz,
    /// `start` as written.
    pub start: String,
    /// `end` as written.
    pub end: String,
    /// The parsed start schedule.
    pub start_schedule: CronSchedule,
    /// The parsed end schedule.
    pub end_schedule: CronSchedule,
    /// `desiredReplicas` (non-zero).
    pub desired_replicas: i64,
}

impl CronMetadata {
    /// Parses and validates the metadata: all four fields required, schedules valid,
    /// `start != end` textually, `desiredReplicas != 0`, time zone known.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let md: BTreeMap<String, String> = [("timezone", "Asia/Kolkata"), ("start", "30 * * * *"),
    ///     ("end", "45 * * * *"), ("desiredReplicas", "10")]
    ///     .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// let m = tidescale::keda::scalers::CronMetadata::parse(&md).unwrap();
    /// assert_eq!(m.metric_name(0), "s0-cron-Asia-Kolkata-30xxxx-45xxxx");
    /// ```
    pub fn parse(metadata: &BTreeMap<String, String>) -> Result<Self, KedaError> {
        let m = Meta {
            scaler: SCALER,
            map: metadata,
        };
        let timezone = m.required("timezone")?.to_owned();
        let start = m.required("start")?.to_owned();
        let end = m.required("end")?.to_owned();
        let desired_replicas = m.int("desiredReplicas", None)?;
        let start_schedule = CronSchedule::parse(&start)?;
        let end_schedule = CronSchedule::parse(&end)?;
        if start == end {
            return Err(m.err("end", &end, "start and end cannot be exactly the same"));
        }
        if desired_replicas == 0 {
            return Err(m.err("desiredReplicas", "0", "must be a non-zero value"));
        }
        let tz = load_location(&timezone)?;
        Ok(Self {
            timezone,
            tz,
            start,
            end,
            start_schedule,
            end_schedule,
            desired_replicas,
        })
    }

    /// `s<i>-cron-<tz>-<start>-<end>` with spaces removed, `*`→`x`, `/`→`Sl`, `?`→`Qm`,
    /// `,`→`Cm`, then normalised.
    pub fn metric_name(&self, trigger_index: usize) -> String {
        let enc = |s: &str| {
            s.replace(' ', "")
                .replace('*', "x")
                .replace('/', "Sl")
                .replace('?', "Qm")
                .replace(',', "Cm")
        };
        normalize_metric_name(&format!(
            "s{trigger_index}-cron-{}-{}-{}",
            self.timezone,
            enc(&self.start),
            enc(&self.end)
        ))
    }

    /// Whether `now` is inside the window: active iff the next end comes no later than the
    /// next start (spec §1.6).
    pub fn is_active(&self, now: Timestamp) -> bool {
        // robfig returns the zero time (year 1) when nothing fires within 5 years.
        const ZERO: i64 = -62_135_596_800;
        let ns = self.start_schedule.next_after(now, self.tz).unwrap_or(ZERO);
        let ne = self.end_schedule.next_after(now, self.tz).unwrap_or(ZERO);
        let cur = now.as_millis().div_euclid(1000);
        if ns < ne {
            cur > ns && cur < ne
        } else {
            cur > ns || cur < ne
        }
    }

    /// Metric `desiredReplicas` while active, else 0 (target AverageValue 1).
    pub fn evaluate(&self, now: Timestamp) -> ScalerReading {
        let active = self.is_active(now);
        let v = if active { self.desired_replicas } else { 0 };
        ScalerReading {
            raw: v as f64,
            metric_milli: crate::keda::metric_milli(v as f64),
            is_active: active,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn next_fire_in_zone_and_dst() {
        let s = CronSchedule::parse("30 2 * * *").unwrap();
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2024-03-10 00:00 EST = 05:00Z; 02:30 does not exist that day. robfig's hour loop
        // walks 01:00 EST -> 03:00 EDT and misses hour 2, so the next fire is 2024-03-11 02:30
        // EDT = 06:30Z.
        let n = s.next_after(ts(1_710_046_800), ny).unwrap();
        assert_eq!(n, 1_710_138_600);
    }

    #[test]
    fn dom_dow_or_semantics() {
        // Day 1 of the month OR Monday, when neither is '*'.
        let s = CronSchedule::parse("0 0 1 * Mon").unwrap();
        // 2024-01-02T00:00Z (Tue) -> next is Mon 2024-01-08.
        assert_eq!(
            s.next_after(ts(1_704_153_600), chrono_tz::UTC),
            Some(1_704_672_000)
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "* * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 7",
            "*/0 * * * *",
            "5-1 * * * *",
            "1-2-3 * * * *",
            "@daily",
        ] {
            assert!(CronSchedule::parse(bad).is_err(), "{bad}");
        }
        assert!(load_location("Mars/Olympus").is_err());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn next_fire_is_strictly_later_and_on_a_minute(
            now in 0i64..4_000_000_000, m in 0u32..60, h in 0u32..24, zone in 0usize..3,
        ) {
            let tz: Tz = ["UTC", "America/New_York", "Asia/Kolkata"][zone].parse().unwrap();
            let s = CronSchedule::parse(&format!("{m} {h} * * *")).unwrap();
            let n = s.next_after(Timestamp::from_secs(now), tz).unwrap();
            prop_assert!(n > now);
            prop_assert_eq!(n % 60, 0);
            prop_assert!(n - now <= 2 * 86_400);
        }
    }
}

//! The activity date written in a report's text: `2022年10月15日`,
//! `二〇二二年十月十五日`, `2022-10-15`, `2022.10.15`, or `10月15日` with
//! its year from elsewhere in the document.

use chrono::{Datelike, NaiveDate};

/// A date found in the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub date: NaiveDate,
    /// As written (digits made half-width), for the message.
    pub written: String,
    /// Which text it was in (index into the texts searched).
    pub index: usize,
    /// The text gave no year: it is the document's (another date in it,
    /// else when the file was saved) or, failing that, this year's or last.
    pub year_guessed: bool,
}

/// The first date in `texts`. A date without its year takes the year of
/// the first full date anywhere in `texts`, else `file_year` (when the
/// file was last saved), else the year of `today`'s last such day.
pub(crate) fn find_date(
    texts: &[String],
    file_year: Option<i32>,
    today: NaiveDate,
) -> Option<Found> {
    let mut first: Option<(usize, Match)> = None;
    let mut full_year = None;
    for (index, text) in texts.iter().enumerate() {
        for m in matches(text) {
            if full_year.is_none() {
                full_year = m.year;
            }
            if first.is_none() {
                first = Some((index, m));
            }
            if first.is_some() && full_year.is_some() {
                break;
            }
        }
        if first.is_some() && full_year.is_some() {
            break;
        }
    }
    let (index, m) = first?;
    // A report is written after the activity: a guessed year that makes
    // it a day to come is the year before.
    let last_such_day = |year: i32| {
        NaiveDate::from_ymd_opt(year, m.month, m.day)
            .filter(|d| *d <= today)
            .or_else(|| NaiveDate::from_ymd_opt(year - 1, m.month, m.day))
    };
    let date = match (m.year.or(full_year), file_year) {
        (Some(year), _) => NaiveDate::from_ymd_opt(year, m.month, m.day)?,
        (None, Some(year)) => last_such_day(year.min(today.year()))?,
        (None, None) => last_such_day(today.year())?,
    };
    Some(Found {
        date,
        written: m.written,
        index,
        year_guessed: m.year.is_none(),
    })
}

#[derive(Debug)]
struct Match {
    year: Option<i32>,
    month: u32,
    day: u32,
    written: String,
}

/// Every valid-looking date in `text`, in order.
fn matches(text: &str) -> Vec<Match> {
    let chars: Vec<char> = text.chars().map(half_width).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // Not in the middle of a number (…12022年 is no year).
        let after_digit =
            i > 0 && (chars[i - 1].is_ascii_digit() || cn_digit(chars[i - 1]).is_some());
        let found = if after_digit {
            None
        } else {
            full_arabic(&chars, i)
                .or_else(|| full_chinese(&chars, i))
                .or_else(|| numeric(&chars, i))
                // (After 年 the year was no year: 12022年10月1日.)
                .or_else(|| month_day(&chars, i, None).filter(|_| i == 0 || chars[i - 1] != '年'))
        };
        match found {
            Some((m, end)) if valid(&m) => {
                out.push(Match {
                    written: chars[i..end].iter().collect(),
                    ..m
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

fn valid(m: &Match) -> bool {
    (1..=12).contains(&m.month)
        && (1..=31).contains(&m.day)
        && m.year.is_none_or(|y| (1900..=2100).contains(&y))
}

fn half_width(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '－' => '-',
        '．' => '.',
        '／' => '/',
        other => other,
    }
}

fn skip_space(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{3000}') {
        i += 1;
    }
    i
}

/// Up to `max` ASCII digits at `i`.
fn digits(chars: &[char], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut end = i;
    while end < chars.len() && end - i < max && chars[end].is_ascii_digit() {
        end += 1;
    }
    if end == i || (end < chars.len() && chars[end].is_ascii_digit()) {
        return None;
    }
    let n: String = chars[i..end].iter().collect();
    Some((n.parse().ok()?, end))
}

/// `2022年10月15日`, spaces allowed around the numbers.
fn full_arabic(chars: &[char], i: usize) -> Option<(Match, usize)> {
    let (year, j) = digits(chars, i, 4).filter(|(_, j)| j - i == 4)?;
    let j = skip_space(chars, j);
    (chars.get(j) == Some(&'年')).then_some(())?;
    month_day(chars, skip_space(chars, j + 1), Some(year as i32))
}

/// `10月15日` / `10月15号` (and `十月十五日`), with `year` when known.
fn month_day(chars: &[char], i: usize, year: Option<i32>) -> Option<(Match, usize)> {
    let (month, j) = digits(chars, i, 2).or_else(|| cn_number(chars, i))?;
    let j = skip_space(chars, j);
    (chars.get(j) == Some(&'月')).then_some(())?;
    let j = skip_space(chars, j + 1);
    let (day, j) = digits(chars, j, 2).or_else(|| cn_number(chars, j))?;
    let j = skip_space(chars, j);
    matches!(chars.get(j), Some('日' | '号')).then_some(())?;
    Some((
        Match {
            year,
            month,
            day,
            written: String::new(),
        },
        j + 1,
    ))
}

/// `二〇二二年十月十五日`.
fn full_chinese(chars: &[char], i: usize) -> Option<(Match, usize)> {
    let mut year = 0;
    for k in 0..4 {
        year = year * 10 + cn_digit(*chars.get(i + k)?)? as i32;
    }
    (chars.get(i + 4) == Some(&'年')).then_some(())?;
    month_day(chars, i + 5, Some(year))
}

/// `2022-10-15`, `2022.10.15`, `2022/10/15`: one separator throughout,
/// and no more digits after.
fn numeric(chars: &[char], i: usize) -> Option<(Match, usize)> {
    let (year, j) = digits(chars, i, 4).filter(|(_, j)| j - i == 4)?;
    let sep = *chars.get(j).filter(|c| matches!(c, '-' | '.' | '/'))?;
    let (month, j) = digits(chars, j + 1, 2)?;
    (chars.get(j) == Some(&sep)).then_some(())?;
    let (day, j) = digits(chars, j + 1, 2)?;
    // 2022.10.15.3 is a version or a section number, not a date.
    if chars.get(j) == Some(&sep) && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((
        Match {
            year: Some(year as i32),
            month,
            day,
            written: String::new(),
        },
        j,
    ))
}

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'Ｏ' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 1–31 in Chinese numerals: 五, 十, 十五, 二十, 二十三, 三十一.
fn cn_number(chars: &[char], i: usize) -> Option<(u32, usize)> {
    let first = *chars.get(i)?;
    if first == '十' {
        return match chars.get(i + 1).and_then(|c| cn_digit(*c)) {
            Some(u) if u > 0 => Some((10 + u, i + 2)),
            _ => Some((10, i + 1)),
        };
    }
    let d = cn_digit(first).filter(|d| *d > 0)?;
    if chars.get(i + 1) == Some(&'十') {
        return match chars.get(i + 2).and_then(|c| cn_digit(*c)) {
            Some(u) if u > 0 => Some((d * 10 + u, i + 3)),
            _ => Some((d * 10, i + 2)),
        };
    }
    Some((d, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn find(texts: &[&str]) -> Option<(String, String, bool)> {
        let texts: Vec<String> = texts.iter().map(|s| s.to_string()).collect();
        find_date(&texts, Some(2021), day(2030, 6, 1))
            .map(|f| (f.date.to_string(), f.written, f.year_guessed))
    }

    #[test]
    fn dates_in_the_ways_reports_write_them() {
        let d = |s: &str| find(&[s]).map(|f| f.0);
        assert_eq!(d("2022年10月15日，委机关…").as_deref(), Some("2022-10-15"));
        assert_eq!(
            d("于 2022 年 9 月 5 日 上午").as_deref(),
            Some("2022-09-05")
        );
        assert_eq!(d("２０２２年１０月１５日").as_deref(), Some("2022-10-15"));
        assert_eq!(d("二〇二二年十月十五日").as_deref(), Some("2022-10-15"));
        assert_eq!(d("二〇二二年九月三十日").as_deref(), Some("2022-09-30"));
        assert_eq!(d("时间：2022-10-15").as_deref(), Some("2022-10-15"));
        assert_eq!(d("2022.10.15 活动").as_deref(), Some("2022-10-15"));
        assert_eq!(d("2022/9/8").as_deref(), Some("2022-09-08"));
        assert_eq!(d("2022年2月30日"), None);
        assert_eq!(d("第3.2.1.4节"), None);
        assert_eq!(d("共12022年10月1日"), None, "inside a longer number");
        assert_eq!(d("参加人数32人"), None);
    }

    #[test]
    fn a_date_without_its_year_takes_the_documents() {
        // Another full date in the document (its 落款) gives the year.
        let f = find(&["10月15日上午，委机关…", "机关党委", "2022年10月16日"]).unwrap();
        assert_eq!(f, ("2022-10-15".into(), "10月15日".into(), true));
        // Else the year the file was made, else the fallback.
        assert_eq!(find(&["十月十五日，"]).unwrap().0, "2021-10-15");
        let texts = vec!["5月1日".to_string()];
        assert_eq!(
            find_date(&texts, None, day(2030, 6, 1))
                .unwrap()
                .date
                .to_string(),
            "2030-05-01"
        );
        let texts = vec!["9月1日".to_string()];
        assert_eq!(
            find_date(&texts, None, day(2030, 6, 1))
                .unwrap()
                .date
                .to_string(),
            "2029-09-01",
            "not a day to come"
        );
        assert_eq!(find(&["10月15号"]).unwrap().0, "2021-10-15");
        let texts = vec!["12月1日".to_string()];
        assert_eq!(
            find_date(&texts, Some(2030), day(2030, 6, 1))
                .unwrap()
                .date
                .to_string(),
            "2029-12-01",
            "the file's year, but not a day to come"
        );
        assert_eq!(find(&["没有日期"]), None);
    }
}

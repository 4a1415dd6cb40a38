//! What the fuzz targets share: how an input becomes the text the API would accept.
//!
//! An input is UTF-8 text (other inputs are skipped). It is taken as it is, except that an input
//! starting with a decimal count and `*` (`20000*>`, `5000*- `, `8000*_a`) stands for the rest
//! of it repeated that many times. Either way the text is then bounded as the API bounds it: NUL
//! removed (the API refuses it), at most the given number of characters.
//!
//! Each target tries every text twice: as it is, and `stretch`ed, repeated up to the length limit.
//! A super-linear cost shows only on long texts, and coverage guidance does not reward length: a
//! longer repetition of a known shape reaches no new code, so libFuzzer would not keep it and
//! would take very long to grow a short shape into a slow one. Stretched, every shape it makes is
//! tried at the longest length the API accepts, as soon as it makes it.

/// The longest body the API accepts, in characters (`NewsDocument::validate`).
pub const MAX_BODY_CHARS: usize = 200_000;
/// The longest `q` the API accepts, in characters (`MAX_SEARCH_LENGTH` in src/news/routes.rs).
pub const MAX_QUERY_CHARS: usize = 200;

/// The text repeated up to `max_chars` characters; None when it is empty or already that long.
pub fn stretch(text: &str, max_chars: usize) -> Option<String> {
    let chars = text.chars().count();
    if chars == 0 || chars >= max_chars {
        return None;
    }
    Some(text.chars().cycle().take(max_chars).collect())
}

/// Coverage for length: a loop whose trip count grows with the text, so that libFuzzer, whose
/// guidance counts loop trips in buckets (1, 2, 3, 4-7 ... 128+), keeps an input that reaches a
/// longer class (every 256 characters up to 32 768, every 4 096 up to 524 288) as it keeps one
/// that reaches new code. Without it, a longer repetition of a known shape is never kept and the
/// counts of `N*` inputs stay where the seeds put them.
#[inline(never)]
pub fn reward_length(chars: usize) {
    for i in 0..chars / 256 {
        std::hint::black_box(i);
    }
    for i in 0..chars / 4096 {
        std::hint::black_box(i);
    }
}

/// The text an input stands for, at most `max_chars` characters; None if it is not UTF-8.
pub fn text(data: &[u8], max_chars: usize) -> Option<String> {
    let input = std::str::from_utf8(data).ok()?;
    let (count, unit) = match input.split_once('*') {
        Some((digits, unit))
            if (1..=6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (digits.parse::<usize>().ok()?, unit)
        }
        _ => (1, input),
    };
    Some(
        std::iter::repeat_n(unit, count)
            .flat_map(str::chars)
            .filter(|&c| c != '\0')
            .take(max_chars)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_and_bounds() {
        assert_eq!(text(b"3*> ", 100).as_deref(), Some("> > > "));
        assert_eq!(text(b"3*ab", 5).as_deref(), Some("ababa"));
        assert_eq!(text(b"a*b", 100).as_deref(), Some("a*b"));
        assert_eq!(text(b"1234567*x", 100).as_deref(), Some("1234567*x"));
        assert_eq!(text(b"x\0y", 100).as_deref(), Some("xy"));
        assert_eq!(text(b"\xff", 100), None);
        assert_eq!(stretch("ab", 5).as_deref(), Some("ababa"));
        assert_eq!(stretch("abc", 3), None);
        assert_eq!(stretch("", 3), None);
        assert_eq!(
            text("200000*é".as_bytes(), MAX_BODY_CHARS).map(|t| t.chars().count()),
            Some(MAX_BODY_CHARS)
        );
    }
}

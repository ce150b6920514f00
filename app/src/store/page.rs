//! The one request and the one result of every paginated store list.

/// Which slice of a list to read: at most `limit` rows, skipping the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub offset: i64,
}

impl PageRequest {
    /// The first `limit` rows.
    pub fn first(limit: i64) -> PageRequest {
        PageRequest { limit, offset: 0 }
    }

    /// Page number `page` (1-based; below 1 counts as 1) of pages `size` rows long. A page
    /// number from a query string can be anything: a huge one reads past the end (no rows)
    /// instead of overflowing.
    pub fn number(page: i64, size: i64) -> PageRequest {
        PageRequest { limit: size, offset: (page.max(1) - 1).saturating_mul(size) }
    }
}

/// One page of a list and how many rows there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::PageRequest;

    #[test]
    fn page_numbers_become_offsets_and_nonsense_stays_in_range() {
        assert_eq!(PageRequest::number(1, 25), PageRequest { limit: 25, offset: 0 });
        assert_eq!(PageRequest::number(3, 25), PageRequest { limit: 25, offset: 50 });
        assert_eq!(PageRequest::number(-4, 25), PageRequest { limit: 25, offset: 0 });
        assert_eq!(PageRequest::number(i64::MAX, 25).offset, i64::MAX);
        assert_eq!(PageRequest::first(10), PageRequest { limit: 10, offset: 0 });
    }
}

//! A Matroska block's header, read from its first bytes: track, relative time and lacing.

/// What a block's first bytes say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct BlockHead {
    pub(super) track: u64,
    /// Time relative to the cluster, in ticks.
    pub(super) relative: i16,
    pub(super) laces: u32,
    pub(super) first_len: u64,
}

/// Reads a block's header from its first bytes `head` (of `size` in all): track number,
/// relative time, and how many frames are laced in it and how long the first is.
pub(super) fn block_head(head: &[u8], size: u64) -> Option<BlockHead> {
    let (track, n) = vint(head)?;
    let rest = head.get(n..)?;
    let (&[t0, t1, flags], rest) = rest.split_first_chunk::<3>()?;
    let relative = i16::from_be_bytes([t0, t1]);
    let header = u64::try_from(n).ok()? + 3;
    let lacing = (flags >> 1) & 0b11;
    if lacing == 0 {
        return Some(BlockHead {
            track,
            relative,
            laces: 1,
            first_len: size.checked_sub(header)?,
        });
    }
    let (&count, sizes) = rest.split_first()?;
    let laces = u32::from(count) + 1;
    let frames = size.checked_sub(header + 1)?;
    let first_len = if laces == 1 {
        frames
    } else {
        match lacing {
            // Xiph: runs of 255 and a final byte.
            1 => {
                let run = sizes.iter().take_while(|b| **b == 255).count();
                let last = *sizes.get(run)?;
                u64::try_from(run).ok()? * 255 + u64::from(last)
            }
            // Fixed: equal frames.
            2 => (frames % u64::from(laces) == 0).then(|| frames / u64::from(laces))?,
            // EBML: the first size is an unsigned variable-length integer.
            _ => vint(sizes)?.0,
        }
    };
    Some(BlockHead {
        track,
        relative,
        laces,
        first_len,
    })
}

/// An EBML variable-length unsigned integer at the start of `bytes`: its value and length.
pub(super) fn vint(bytes: &[u8]) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let mut value = u64::from(first) & (0xFF >> len);
    for b in bytes.get(1..len)? {
        value = (value << 8) | u64::from(*b);
    }
    Some((value, len))
}

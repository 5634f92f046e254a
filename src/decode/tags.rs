//! Artist, title and album from whatever tag format the container carries (ID3, Vorbis
//! comments, MP4 `ilst`, Matroska tags, RIFF INFO), through symphonia's standard tags.

use symphonia::core::formats::FormatReader;
use symphonia::core::meta::{MetadataRevision, StandardTag};

/// Artist, title and album tags, for matching playlist entries to files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags {
    /// Track artist (the album artist when no track artist is given).
    pub artist: Option<String>,
    /// Track title.
    pub title: Option<String>,
    /// Album title.
    pub album: Option<String>,
}

impl Tags {
    /// Whether no tag was found.
    pub fn is_empty(&self) -> bool {
        self.artist.is_none() && self.title.is_none() && self.album.is_none()
    }
}

/// Reads the tags found so far. A file can carry several revisions (ID3v2 at the front and
/// ID3v1 at the back, say): every revision is read and later ones fill in what earlier ones
/// lack, so the richer leading tag wins over a truncated trailing one.
pub(crate) fn read_tags(format: &mut dyn FormatReader) -> Tags {
    let mut tags = Tags::default();
    let mut album_artist = None;
    let mut metadata = format.metadata();
    loop {
        if let Some(revision) = metadata.current() {
            collect(revision, &mut tags, &mut album_artist);
        }
        if metadata.pop().is_none() {
            break;
        }
    }
    if tags.artist.is_none() {
        tags.artist = album_artist;
    }
    tags
}

fn collect(revision: &MetadataRevision, tags: &mut Tags, album_artist: &mut Option<String>) {
    let all = revision.media.tags.iter().chain(
        revision
            .per_track
            .iter()
            .flat_map(|t| t.metadata.tags.iter()),
    );
    for tag in all {
        let (slot, value) = match &tag.std {
            Some(StandardTag::Artist(v)) => (&mut tags.artist, v),
            Some(StandardTag::TrackTitle(v)) => (&mut tags.title, v),
            Some(StandardTag::Album(v)) => (&mut tags.album, v),
            Some(StandardTag::AlbumArtist(v)) => (&mut *album_artist, v),
            _ => continue,
        };
        let value = value.trim();
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }
}

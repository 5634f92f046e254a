//! The codec registry (symphonia's decoders plus libopus) and per-codec facts the reader needs.

use std::sync::OnceLock;

use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters, CODEC_ID_NULL_AUDIO};
use symphonia::core::codecs::registry::CodecRegistry;

use super::timeline::opus_without_pre_skip;

/// symphonia's decoders plus libopus (symphonia 0.6 has no Opus decoder of its own). Built once:
/// registering walks every codec bundle.
pub(crate) fn registry() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}

/// Parameters to build the decoder from. Opus: decode at 48 kHz (libopus's native rate; some
/// muxers store the original input rate, which libopus may not accept) and with the pre-skip
/// zeroed, as [`super::timeline`] drops it.
pub(crate) fn decoder_params(params: &AudioCodecParameters) -> AudioCodecParameters {
    let mut params = params.clone();
    if params.codec == CODEC_ID_OPUS {
        params.sample_rate = Some(48_000);
        if let Some(patched) = params.extra_data.as_deref().and_then(opus_without_pre_skip) {
            params.extra_data = Some(patched);
        }
    }
    params
}

/// Lossless codecs, whose packet timestamps are exact: a jump in them means data was lost.
pub(crate) fn is_lossless(codec: &str) -> bool {
    codec.starts_with("pcm") || ["flac", "alac", "wavpack"].contains(&codec)
}

/// Frames to decode and throw away before a seek target, so that the decoder's state (MDCT
/// overlap, filter memories, bit reservoir) is what it would be after decoding from the start.
pub(crate) fn preroll(codec: &str, rate: u32) -> u64 {
    match codec {
        _ if is_lossless(codec) => 0,
        // Two MPEG frames: the overlap of the previous granule and the synthesis filter memory.
        "mp1" | "mp2" | "mp3" => 2 * 1152,
        // Two AAC frames: the previous frame's MDCT overlap.
        "aac" => 2 * 1024,
        // The largest Vorbis block overlaps the previous one by half of 8192.
        "vorbis" => 8192,
        // RFC 7845 §4.6 asks for at least 80 ms; CELT predicts band energies from the previous
        // frame, and on steady tones a wrong start state needs ~0.5 s to fade below -80 dB.
        "opus" => u64::from(rate) / 2,
        _ => u64::from(rate) / 10,
    }
}

/// A readable name for a codec, for "unsupported codec" errors.
pub(crate) fn codec_name(id: AudioCodecId) -> String {
    let known = [
        (CODEC_ID_AC3, "AC-3"),
        (CODEC_ID_EAC3, "E-AC-3"),
        (CODEC_ID_AC4, "AC-4"),
        (CODEC_ID_DCA, "DTS"),
        (CODEC_ID_TRUEHD, "TrueHD"),
        (CODEC_ID_WMA, "WMA"),
        (CODEC_ID_WAVPACK, "WavPack"),
        (CODEC_ID_MONKEYS_AUDIO, "Monkey's Audio"),
        (CODEC_ID_TTA, "TTA"),
        (CODEC_ID_MUSEPACK, "Musepack"),
        (CODEC_ID_SPEEX, "Speex"),
        (CODEC_ID_ATRAC3, "ATRAC3"),
        (CODEC_ID_ATRAC3PLUS, "ATRAC3plus"),
        (CODEC_ID_ATRAC9, "ATRAC9"),
        (CODEC_ID_COOK, "RealAudio Cook"),
        (CODEC_ID_SBC, "SBC"),
        (CODEC_ID_APTX, "aptX"),
        (CODEC_ID_LDAC, "LDAC"),
        (CODEC_ID_OPUS, "Opus"),
        (CODEC_ID_AAC, "AAC"),
    ];
    match known.iter().find(|(k, _)| *k == id) {
        Some((_, name)) => (*name).to_string(),
        None if id == CODEC_ID_NULL_AUDIO => "unknown".to_string(),
        None => format!("id {id}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn opus_is_rebuilt_at_48k_without_pre_skip() {
        let mut params = AudioCodecParameters::new();
        params
            .for_codec(CODEC_ID_OPUS)
            .with_sample_rate(44_100)
            .with_extra_data(Box::from(
                &b"OpusHead\x01\x02\x38\x01\x44\xac\0\0\0\0\0"[..],
            ));
        let patched = decoder_params(&params);
        assert_eq!(patched.sample_rate, Some(48_000));
        let extra = patched.extra_data.unwrap_or_default();
        assert_eq!(&extra[10..12], &[0, 0]);
    }

    #[test]
    fn lossless_codecs_need_no_preroll() {
        assert_eq!(preroll("flac", 96_000), 0);
        assert_eq!(preroll("pcm_s24le", 96_000), 0);
        assert_eq!(preroll("opus", 48_000), 24_000);
        assert!(preroll("something-new", 44_100) > 0);
        assert_eq!(codec_name(CODEC_ID_AC3), "AC-3");
    }
}

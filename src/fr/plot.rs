//! The picture a reviewer puts in a review: measured FR, target, EQ response and the
//! equalised result on a log-frequency axis with a labelled dB grid, as SVG or PNG.
//!
//! Text is drawn with DejaVu Sans built into the binary (plotters' `ab_glyph` backend), so
//! plotting needs no system fonts, fontconfig or freetype.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::FrCurve;
use crate::atomic_file::{self, Pending, SaveError};
use crate::exit_status::ExitStatus;

/// Why a plot could not be drawn or saved.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file name does not end in .svg or .png.
    #[error("{0}: plot files end in .svg or .png")]
    Format(PathBuf),
    /// The file could not be created or put in place (exists, disk full, interrupted).
    #[error(transparent)]
    Save(#[from] SaveError),
    /// Drawing or writing failed.
    #[error("{path}: cannot draw: {message}", path = .path.display())]
    Draw {
        /// Destination.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// 2 for a file name that is not .svg or .png, 1 when drawing fails, else the save's code.
impl ExitStatus for PlotError {
    fn exit_code(&self) -> u8 {
        match self {
            PlotError::Format(_) => 2,
            PlotError::Save(e) => e.exit_code(),
            PlotError::Draw { .. } => 1,
        }
    }
}

/// What to draw; every curve is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FitPlot {
    /// Title above the graph.
    pub title: String,
    /// Second line under the title (fit settings, errors).
    pub subtitle: String,
    /// The target or the simulated IEM (levelled).
    pub target: Option<FrCurve>,
    /// The measurement (levelled): one curve, or left and right.
    pub measured: Vec<FrCurve>,
    /// The EQ's response, preamp included: one curve, or left and right.
    pub eq: Vec<FrCurve>,
    /// Measurement plus EQ: one curve, or left and right.
    pub result: Vec<FrCurve>,
    /// IEMs compared: each IEM's curves (left, right), drawn in a colour of its own, the
    /// right a lighter shade.
    pub compare: Vec<Vec<FrCurve>>,
}

/// Colours of compared IEMs, in order (matplotlib's tab10 without its grey).
const PALETTE: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

static FONT: Once = Once::new();
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn register() {
    FONT.call_once(|| {
        // The font is built in and known to be valid; if registration ever failed, text
        // would be missing but the curves still drawn.
        let _ = register_font("sans-serif", FontStyle::Normal, FONT_BYTES);
    });
}

/// Image size in pixels.
const SIZE: (u32, u32) = (1400, 800);

/// Draws `plot` to `path` (.svg or .png), via a temp file renamed into place; refuses an
/// existing file unless `force`.
pub fn draw(plot: &FitPlot, path: &Path, force: bool) -> Result<(), PlotError> {
    draw_pending(plot, path, force)?.commit()?;
    Ok(())
}

/// Draws `plot` into a temp file beside `path` and returns it unfinished, so a caller
/// writing several files can put them all in place only when all are drawn.
pub fn draw_pending(plot: &FitPlot, path: &Path, force: bool) -> Result<Pending, PlotError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "svg" && ext != "png" {
        return Err(PlotError::Format(path.to_path_buf()));
    }
    register();
    let fail = |message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };
    // plotters opens the file by name, so only the temp file's path is used.
    let (file, pending) = atomic_file::create(path, force)?;
    drop(file);
    let target = pending.write_path().to_path_buf();
    if ext == "svg" {
        let root = SVGBackend::new(&target, SIZE).into_drawing_area();
        paint(plot, &root).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    } else {
        let root = BitMapBackend::new(&target, SIZE).into_drawing_area();
        paint(plot, &root).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    Ok(pending)
}

/// Labelled frequencies on the x axis (a grid line at each).
const X_TICKS: [f64; 15] = [
    20.0, 30.0, 50.0, 100.0, 200.0, 300.0, 500.0, 1000.0, 2000.0, 3000.0, 5000.0, 7000.0, 10_000.0,
    15_000.0, 20_000.0,
];

/// "20", "500", "1k", "12.5k".
fn hz_label(f: f64) -> String {
    if f >= 1000.0 {
        let k = f / 1000.0;
        if (k - k.round()).abs() < 1e-6 {
            format!("{}k", k.round())
        } else {
            format!("{k:.1}k")
        }
    } else {
        format!("{}", f.round())
    }
}

/// The dB range to show: every curve's 20 Hz–20 kHz span, padded, in 5 dB steps.
fn y_range(curves: &[&FrCurve]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for c in curves {
        for (f, v) in c.freqs_hz.iter().zip(&c.db) {
            if (20.0..=20_000.0).contains(f) {
                lo = lo.min(*v);
                hi = hi.max(*v);
            }
        }
    }
    if !lo.is_finite() {
        return (-20.0, 20.0);
    }
    let lo = ((lo - 3.0) / 5.0).floor() * 5.0;
    let hi = ((hi + 3.0) / 5.0).ceil() * 5.0;
    (lo.max(-60.0), hi.min(60.0).max(lo.max(-60.0) + 10.0))
}

fn paint<DB: DrawingBackend>(plot: &FitPlot, root: &DrawingArea<DB, Shift>) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (title_area, chart_area) = root.split_vertically(90);
    title_area
        .draw_text(
            &plot.title,
            &("sans-serif", 30).into_font().color(&BLACK),
            (70, 14),
        )
        .map_err(e)?;
    title_area
        .draw_text(
            &plot.subtitle,
            &("sans-serif", 18).into_font().color(&RGBColor(90, 90, 90)),
            (70, 56),
        )
        .map_err(e)?;
    let curves: Vec<&FrCurve> = plot
        .target
        .iter()
        .chain(&plot.measured)
        .chain(&plot.eq)
        .chain(&plot.result)
        .chain(plot.compare.iter().flatten())
        .collect();
    let (ylo, yhi) = y_range(&curves);
    let mut chart = ChartBuilder::on(&chart_area)
        .margin_left(20)
        .margin_right(40)
        .margin_bottom(20)
        .x_label_area_size(55)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (20f64..20_000f64)
                .log_scale()
                .with_key_points(X_TICKS.to_vec()),
            ylo..yhi,
        )
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("Frequency (Hz)")
        .y_desc("Level (dB)")
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 17))
        .x_labels(X_TICKS.len())
        .x_label_formatter(&|f| hz_label(*f))
        .x_max_light_lines(0)
        .y_labels(((yhi - ylo) / 5.0) as usize + 1)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .bold_line_style(RGBColor(200, 200, 200))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(e)?;
    // 0 dB reference line.
    chart
        .draw_series(LineSeries::new(
            [(20.0, 0.0), (20_000.0, 0.0)],
            RGBColor(120, 120, 120).stroke_width(1),
        ))
        .map_err(e)?;
    let mut series = vec![
        (plot.target.as_slice(), "Target", RGBColor(150, 150, 150), 4),
        (
            plot.measured.as_slice(),
            "Measured",
            RGBColor(31, 119, 180),
            2,
        ),
        (plot.eq.as_slice(), "EQ", RGBColor(44, 160, 44), 2),
        (
            plot.result.as_slice(),
            "Equalised",
            RGBColor(214, 39, 40),
            3,
        ),
    ];
    for (iem, color) in plot.compare.iter().zip(PALETTE.iter().cycle()) {
        series.push((iem.as_slice(), "", *color, 2));
    }
    // A second curve of a kind (the right channel) is a lighter shade of the first's colour.
    let curves = series.iter().flat_map(|(curves, label, color, width)| {
        curves.iter().enumerate().map(move |(i, c)| {
            let shade = if i == 0 {
                *color
            } else {
                let lighter = |v: u8| v + (255 - v) / 2;
                RGBColor(lighter(color.0), lighter(color.1), lighter(color.2))
            };
            (c, *label, shade, *width)
        })
    });
    for (curve, default_label, color, width) in curves {
        let label = match (default_label, curve.name.is_empty()) {
            (_, true) => default_label.to_string(),
            ("", false) => curve.name.clone(),
            (_, false) => format!("{default_label}: {}", curve.name),
        };
        let style = color.stroke_width(width);
        chart
            .draw_series(LineSeries::new(
                curve
                    .freqs_hz
                    .iter()
                    .zip(&curve.db)
                    .filter(|(f, _)| (20.0..=20_000.0).contains(*f))
                    .map(|(f, v)| (*f, v.clamp(ylo, yhi))),
                style,
            ))
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 30, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(e)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::fr::LogGrid;

    fn curve(name: &str, f: impl Fn(f64) -> f64) -> FrCurve {
        let freqs = LogGrid::new(20.0, 20_000.0, 12).freqs();
        let db = freqs.iter().map(|&x| f(x)).collect();
        FrCurve {
            name: name.into(),
            freqs_hz: freqs,
            db,
        }
    }

    #[test]
    fn draws_svg_and_png_and_refuses_other_names_and_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let plot = FitPlot {
            title: "Test".into(),
            subtitle: "sub".into(),
            measured: vec![curve("m", |f| (f / 1000.0).log2())],
            target: Some(curve("t", |_| 0.0)),
            eq: vec![],
            result: vec![],
            compare: vec![],
        };
        let svg = dir.path().join("a.svg");
        draw(&plot, &svg, false).unwrap();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.contains("<svg") && text.contains("Frequency (Hz)") && text.contains("1k"));
        let png = dir.path().join("a.png");
        draw(&plot, &png, false).unwrap();
        assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
        assert!(matches!(
            draw(&plot, &png, false),
            Err(PlotError::Save(SaveError::Exists(_)))
        ));
        assert!(draw(&plot, &png, true).is_ok());
        assert!(matches!(
            draw(&plot, &dir.path().join("a.jpg"), false),
            Err(PlotError::Format(_))
        ));
        assert_eq!(hz_label(12_500.0), "12.5k");
    }
}

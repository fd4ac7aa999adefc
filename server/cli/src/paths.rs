//! Turning what the user typed into URLs, and URLs back into the paths we print.

use std::path::Path;

use url::Url;

/// The root catalog's URL: a URL as is, else a path made absolute.
pub fn root_url(source: &str, cwd: &Path) -> Result<Url, String> {
    if let Ok(url) = Url::parse(source)
        && url.scheme().len() > 1
    {
        return Ok(url);
    }
    let path = cwd.join(source);
    let path = path.canonicalize().map_err(|error| {
        let mut message = format!("cannot read the root catalog {}: {error}", path.display());
        // The default root is missing: most likely not a project directory.
        if error.kind() == std::io::ErrorKind::NotFound && source == "flow.yaml" {
            message.push_str(
                "\nhint: name the catalog with --source PATH, or start a project here with `flowctl init`",
            );
        }
        message
    })?;
    Url::from_file_path(&path).map_err(|()| format!("{} is not a valid file path", path.display()))
}

/// How a resource is shown: relative to the working directory when under it,
/// else its URL.
pub fn display_path(url: &Url, cwd: &Path) -> String {
    if url.scheme() == "file"
        && let Ok(path) = url.to_file_path()
        && let Ok(relative) = path.strip_prefix(cwd)
    {
        return relative.display().to_string();
    }
    url.to_string()
}

//! image rules.

pub mod image_floating_tag;
pub mod image_version_range;
pub mod image_without_digest;

use std::ops::Range;

use fleetpin_ansible::{Module, Task, module::DockerModule};
use fleetpin_diag::{Severity, Span};
use fleetpin_dockerfile::subst::{Syntax, substitute};
use fleetpin_dockerfile::{ImageRef, TagStatus};
use fleetpin_yaml::{Document, Node};

use crate::checker::Checker;
use crate::config::RequiredPin;
use crate::kind::FileKind;
use crate::rules::ansible::unresolved_template;
use crate::rules::ansible::values::{Val, resolve_arg};
use image_floating_tag::ImageFloatingTag;
use image_version_range::ImageVersionRange;
use image_without_digest::ImageWithoutDigest;

/// One image reference to judge.
pub(crate) struct ImageSite<'s> {
    /// The reference after substitution.
    pub text: &'s str,
    /// Where it is written in the checked file.
    pub range: Range<usize>,
    /// Whether `range` holds exactly `text` (so tag ranges can be mapped into the file).
    pub verbatim: bool,
    /// Where substituted variables were set.
    pub origins: Vec<(Span, String)>,
    /// Variables without a value.
    pub unresolved: Vec<String>,
    /// What uses the image, for messages (`FROM`, `service `web``).
    pub context: String,
}

/// Judges one image reference (IMG001, IMG002, IMG003; unresolved parts are IMG001 warnings).
/// The verdict is `fleetpin_spec`'s, with the configured moving words.
pub(crate) fn check_image(checker: &mut Checker<'_>, site: &ImageSite<'_>) {
    let text = site.text.trim();
    if text.is_empty() {
        return;
    }
    let reference = match ImageRef::parse(text) {
        Ok(r) => r,
        Err(_) if !site.unresolved.is_empty() => {
            unresolved_image(checker, site);
            return;
        }
        Err(_) => return,
    };
    // Ranges inside the reference map into the file only when the file holds it verbatim.
    let verbatim = site.verbatim && checker.file.text().get(site.range.clone()) == Some(text);
    let map = |r: &Option<Range<usize>>| -> Range<usize> {
        match r {
            Some(r) if verbatim => site.range.start + r.start..site.range.start + r.end,
            _ => site.range.clone(),
        }
    };
    let name = reference.name();
    let status = reference.status_with(|w| checker.config.is_floating_tag(w));
    let mut d = match status {
        TagStatus::Digest => return,
        TagStatus::Unresolved => {
            unresolved_image(checker, site);
            return;
        }
        TagStatus::Floating { implicit: true } => checker
            .diagnostic(
                &ImageFloatingTag::RULE,
                site.range.clone(),
                format!("{} image `{text}` has no tag: it means `{name}:latest`, whatever was pushed last", site.context),
            )
            .with_help(format!("pin a version tag and its digest: `{name}:<version>@sha256:<digest>`")),
        TagStatus::Floating { implicit: false } => {
            let tag = reference.tag.clone().unwrap_or_default();
            let mut parts = tag.split(['-', '_']);
            let moving_word = checker.config.is_floating_tag(&tag)
                || parts.next().is_some_and(|w| checker.config.is_floating_tag(w))
                || parts.next_back().is_some_and(|w| checker.config.is_floating_tag(w));
            let why = if moving_word {
                format!("uses the floating tag `{tag}`: it moves with every release")
            } else if tag.bytes().any(|b| b.is_ascii_digit()) {
                format!("uses the tag `{tag}`, whose number is a distro's or variant's, not the image's version: it moves to every new upstream release")
            } else {
                format!("uses the tag `{tag}`, which names no version: it moves to every new upstream release")
            };
            checker
                .diagnostic(
                    &ImageFloatingTag::RULE,
                    map(&reference.tag_range),
                    format!("{} image `{text}` {why}", site.context),
                )
                .with_help(format!("pin a version tag and its digest: `{name}:<version>@sha256:<digest>`"))
        }
        TagStatus::Range { precision } if checker.enabled(&ImageVersionRange::RULE) && checker.required_pin() >= RequiredPin::Exact => {
            let tag = reference.tag.clone().unwrap_or_default();
            let why = if precision == 1 {
                "gives only a major version: it moves to every new minor and patch release"
            } else {
                "gives only major.minor: it moves to every new patch release"
            };
            checker
                .diagnostic(
                    &ImageVersionRange::RULE,
                    map(&reference.tag_range),
                    format!("{} image `{text}` uses the tag `{tag}`, which {why}", site.context),
                )
                .with_help(format!("pin the full version and its digest: `{name}:<major.minor.patch>@sha256:<digest>`"))
        }
        TagStatus::Tagged | TagStatus::Range { .. } => {
            if !checker.enabled(&ImageWithoutDigest::RULE) && checker.required_pin() < RequiredPin::Digest {
                return;
            }
            checker
                .diagnostic(
                    &ImageWithoutDigest::RULE,
                    site.range.clone(),
                    format!("{} image `{text}` is pinned by tag, not by digest: the tag can be re-pushed", site.context),
                )
                .with_help(format!("add the digest: `{text}@sha256:<digest>` (`docker buildx imagetools inspect {text}`)"))
        }
    };
    for (span, msg) in &site.origins {
        d = d.with_secondary(span.clone(), msg.clone());
    }
    checker.report(d);
}

fn unresolved_image(checker: &mut Checker<'_>, site: &ImageSite<'_>) {
    let vars = if site.unresolved.is_empty() {
        "a template".to_owned()
    } else {
        site.unresolved
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let d = checker
        .diagnostic(
            &ImageFloatingTag::RULE,
            site.range.clone(),
            format!("{} image `{}` depends on {vars}, which has no value here: fleetpin cannot tell whether its tag floats", site.context, site.text),
        )
        .with_help("give the variable a pinned default (`${TAG:-1.2.3}`, `ARG TAG=1.2.3`)");
    checker.report(Checker::with_severity(d, Severity::Warning));
}

/// Checks the image of an Ansible docker module task (IMG001/IMG002).
pub(crate) fn check_docker_module(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &Module,
    dm: &DockerModule,
) {
    if !checker.enabled(&ImageFloatingTag::RULE) && !checker.enabled(&ImageWithoutDigest::RULE) {
        return;
    }
    // `docker_image` with `source: build` (and `docker_image_build`) names the image it builds.
    if builds_image(task, module) {
        record_built_image(checker, task);
        return;
    }
    // `source: local` (tag or push an image already on the host) and `source: load` (from a
    // tar archive) ask no registry: nothing can float at this task.
    if module.fqcn == "community.docker.docker_image"
        && task
            .arg("source")
            .and_then(|a| a.value.as_str())
            .is_some_and(|s| s == "local" || s == "load")
    {
        return;
    }
    if task
        .arg("state")
        .and_then(|a| a.value.as_str().map(str::to_owned))
        .is_some_and(|s| s == "absent")
    {
        return;
    }
    if let Some(image_arg) = dm.image_arg
        && let Some(arg) = task.arg(image_arg)
    {
        let tag = dm.tag_arg.and_then(|t| task.arg(t));
        let tag_vals: Vec<Val> = tag
            .map(|t| resolve_arg(checker, task, &t.value))
            .unwrap_or_default();
        for v in resolve_arg(checker, task, &arg.value) {
            let Some(image) = v.text.as_deref() else {
                // `name@{{ digest }}`: whatever the digest is, it names one content.
                if v.template.as_deref().is_some_and(digest_written_literally) {
                    continue;
                }
                unresolved_template::report(
                    checker,
                    &v,
                    &format!("the image of `{}`", module.short),
                    "its tag may float",
                );
                continue;
            };
            // A separate `tag:` applies when the name has no tag or digest of its own.
            let has_own =
                image.contains('@') || image.rsplit('/').next().is_some_and(|l| l.contains(':'));
            let full = match (has_own, tag_vals.first()) {
                (false, Some(t)) => match &t.text {
                    Some(tag) => format!("{image}:{tag}"),
                    None => {
                        unresolved_template::report(
                            checker,
                            t,
                            &format!("the tag of `{image}`"),
                            "it may float",
                        );
                        continue;
                    }
                },
                (false, None) => match dm.default_tag {
                    Some(def) => format!("{image}:{def}"),
                    None => image.to_owned(),
                },
                (true, _) => image.to_owned(),
            };
            // An image this file built earlier (`docker_image` `source: build`) is local.
            let implicit_latest = !has_own && full == image;
            let built = |c: &Checker<'_>| {
                c.built_images.iter().any(|b| {
                    *b == full || implicit_latest && b.strip_suffix(":latest") == Some(image)
                })
            };
            if built(checker) {
                continue;
            }
            if !checker.role_builds_scanned {
                scan_role_builds(checker);
                if built(checker) {
                    continue;
                }
            }
            let (range, verbatim) = match tag_vals.first() {
                Some(t) if !has_own => (t.range.clone(), false),
                _ => (v.range.clone(), full == image),
            };
            let origins = v
                .origins
                .iter()
                .chain(tag_vals.iter().flat_map(|t| t.origins.iter()))
                .cloned()
                .collect();
            check_image(
                checker,
                &ImageSite {
                    text: &full,
                    range,
                    verbatim,
                    origins,
                    unresolved: Vec::new(),
                    context: format!("`{}`", module.short),
                },
            );
        }
    }
    if let Some(compose_arg) = dm.compose_arg
        && let Some(arg) = task.arg(compose_arg)
        && let Some(node) = arg.value.node()
    {
        let defs: Vec<&Node> = match node.as_seq() {
            Some(items) => items.iter().collect(),
            None => vec![node],
        };
        for def in defs {
            if def.is_map() {
                check_compose_services(checker, def, None);
            }
        }
    }
}

/// Whether a docker module task builds an image: `docker_image` with `source: build` (or a
/// `build:` and no `source:`, the old modules' way) and `docker_image_build`.
fn builds_image(task: &Task<'_>, module: &Module) -> bool {
    match module.fqcn.as_str() {
        "community.docker.docker_image_build" => true,
        "community.docker.docker_image" => match task.arg("source") {
            Some(s) => s.value.as_str() == Some("build"),
            None => task.arg("build").is_some(),
        },
        _ => false,
    }
}

/// For a task file of a role (`roles/<role>/tasks/*.yml`), remembers the images the role's
/// other task files build, with literal names and tags (a role's `main.yml` commonly includes
/// `build.yml` and `run.yml`). Read once per file, only when a run site would be reported.
fn scan_role_builds(checker: &mut Checker<'_>) {
    checker.role_builds_scanned = true;
    let path = checker.source_path.clone();
    let Some(dir) = path.parent() else {
        return;
    };
    let in_role = dir.file_name().is_some_and(|n| n == "tasks")
        && dir
            .parent()
            .and_then(std::path::Path::parent)
            .and_then(std::path::Path::file_name)
            .is_some_and(|n| n == "roles");
    if !in_role {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            *p != path
                && p.extension().is_some_and(|e| e == "yml" || e == "yaml")
                && std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() <= 1024 * 1024)
        })
        .collect();
    files.sort();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if !text.contains("docker_image") {
            continue;
        }
        let Ok(docs) = fleetpin_yaml::parse(&text) else {
            continue;
        };
        for doc in &docs {
            let list = fleetpin_ansible::task_list(&doc.root, &text);
            for task in &list.tasks {
                let Some(module) = &task.module else { continue };
                if !builds_image(task, module) {
                    continue;
                }
                // Literal values only: templates resolve against the file being checked.
                let literal = |k: &str| {
                    task.arg(k)
                        .and_then(|a| a.value.as_str().map(str::to_owned))
                        .filter(|v| !v.contains("{{"))
                };
                let Some(name) = literal("name") else {
                    continue;
                };
                let has_own = name.rsplit('/').next().is_some_and(|l| l.contains(':'));
                let full = match (has_own, task.arg("tag")) {
                    (true, _) => name,
                    (false, None) => format!("{name}:latest"),
                    (false, Some(_)) => match literal("tag") {
                        Some(tag) => format!("{name}:{tag}"),
                        None => continue,
                    },
                };
                if !checker.built_images.contains(&full) {
                    checker.built_images.push(full);
                }
            }
        }
    }
}

/// Remembers the `name:tag` a `docker_image` `source: build` (or `docker_image_build`) task builds (tag `latest` when
/// not given), so that running it later in the same file is not reported.
fn record_built_image(checker: &mut Checker<'_>, task: &Task<'_>) {
    let Some(name_arg) = task.arg("name") else {
        return;
    };
    let tags: Vec<Option<String>> = match task.arg("tag") {
        Some(t) => resolve_arg(checker, task, &t.value)
            .into_iter()
            .map(|v| v.text)
            .collect(),
        None => vec![Some("latest".to_owned())],
    };
    for v in resolve_arg(checker, task, &name_arg.value) {
        let Some(name) = v.text else { continue };
        let has_own = name.rsplit('/').next().is_some_and(|l| l.contains(':'));
        for tag in &tags {
            let full = match (has_own, tag) {
                (true, _) => name.clone(),
                (false, Some(t)) => format!("{name}:{t}"),
                (false, None) => continue,
            };
            if !checker.built_images.contains(&full) {
                checker.built_images.push(full);
            }
        }
    }
}

/// Variables of a Compose project's `.env` file: name -> (value, byte range of the line).
type EnvFile = (
    fleetpin_diag::SourceFile,
    Vec<(String, String, Range<usize>)>,
);

/// Reads `.env` next to a Compose file (Compose substitutes from it), if there is one.
fn read_env_file(compose: &std::path::Path) -> Option<EnvFile> {
    let path = compose.parent()?.join(".env");
    let meta = std::fs::metadata(&path).ok()?;
    if meta.len() > 1024 * 1024 {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let mut vars = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .unwrap_or(v);
        let lead = line.len() - line.trim_start().len();
        vars.push((
            k.trim().to_owned(),
            v.to_owned(),
            start + lead..start + line.trim_end().len(),
        ));
    }
    let display = crate::engine::display_path(&path);
    Some((fleetpin_diag::SourceFile::new(display, text), vars))
}

/// Checks `services.*.image` of a Compose mapping.
fn check_compose_services(checker: &mut Checker<'_>, root: &Node, env: Option<&EnvFile>) {
    for (name, _, service) in root
        .get("services")
        .map(Node::entries)
        .into_iter()
        .flatten()
    {
        // With `build:`, `image:` names the image that is built.
        if service.contains_key("build") {
            continue;
        }
        let Some(image) = service.get("image") else {
            continue;
        };
        let Some(written) = image.as_str() else {
            continue;
        };
        // Inline definitions in Ansible tasks are Jinja templates first.
        let mut jinja_origins = Vec::new();
        let rendered;
        let written = match &checker.scope {
            Some(scope) if written.contains("{{") => match scope.resolve(written) {
                fleetpin_ansible::Resolution::Resolved {
                    value: fleetpin_ansible::Value::Str(v),
                    origins,
                } => {
                    jinja_origins = origins;
                    rendered = v;
                    rendered.as_str()
                }
                _ => {
                    let v = Val {
                        text: None,
                        range: checker.node_range(image),
                        origins: Vec::new(),
                        template: Some(written.to_owned()),
                        missing: crate::rules::ansible::values::template_vars(written),
                        unsupported: None,
                    };
                    unresolved_template::report(
                        checker,
                        &v,
                        &format!("the image of service `{name}`"),
                        "its tag may float",
                    );
                    continue;
                }
            },
            _ => written,
        };
        let lookup = |n: &str| -> Option<String> {
            env.and_then(|(_, vars)| {
                vars.iter()
                    .rev()
                    .find(|(k, _, _)| k == n)
                    .map(|(_, v, _)| v.clone())
            })
        };
        let sub = substitute(written, &lookup, Syntax::Compose);
        let origins = match env {
            Some((file, vars)) => sub
                .used
                .iter()
                .filter_map(|(n, _)| vars.iter().rev().find(|(k, _, _)| k == n))
                .map(|(k, v, r)| {
                    (
                        Span::new(file.clone(), r.clone()),
                        format!("`{k}` = `{v}` set here (.env)"),
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        let range = checker.node_range(image);
        let verbatim = sub.value == written && jinja_origins.is_empty();
        let mut origins = origins;
        origins.extend(crate::rules::ansible::values::origin_labels(
            checker,
            &jinja_origins,
        ));
        check_image(
            checker,
            &ImageSite {
                text: &sub.value,
                range,
                verbatim,
                origins,
                unresolved: sub.unresolved.clone(),
                context: format!("service `{name}`"),
            },
        );
    }
}

/// Checks a Compose or stack file.
pub(crate) fn check_compose(checker: &mut Checker<'_>, docs: &[Document]) {
    let env = read_env_file(&checker.source_path);
    for doc in docs {
        check_compose_services(checker, &doc.root, env.as_ref());
    }
}

/// Checks the images of a GitHub workflow: `container:`, `services:` and `docker://` steps.
pub(crate) fn check_workflow(checker: &mut Checker<'_>, docs: &[Document]) {
    if checker.kind != FileKind::Workflow && checker.kind != FileKind::Action {
        return;
    }
    let mut sites: Vec<(String, &Node)> = Vec::new();
    for doc in docs {
        for (job_name, _, job) in doc
            .root
            .get("jobs")
            .map(Node::entries)
            .into_iter()
            .flatten()
        {
            if let Some(c) = job.get("container") {
                let img = if c.is_map() { c.get("image") } else { Some(c) };
                if let Some(img) = img {
                    sites.push((format!("job `{job_name}` container"), img));
                }
            }
            for (svc, _, s) in job.get("services").map(Node::entries).into_iter().flatten() {
                if let Some(img) = s.get("image") {
                    sites.push((format!("job `{job_name}` service `{svc}`"), img));
                }
            }
            for step in job.get("steps").and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(u) = step.get("uses")
                    && u.as_str().is_some_and(|s| s.starts_with("docker://"))
                {
                    sites.push(("step".to_owned(), u));
                }
            }
        }
        for step in doc
            .root
            .get("runs")
            .and_then(|r| r.get("steps"))
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if let Some(u) = step.get("uses")
                && u.as_str().is_some_and(|s| s.starts_with("docker://"))
            {
                sites.push(("step".to_owned(), u));
            }
        }
        if let Some(img) = doc
            .root
            .get("runs")
            .filter(|r| r.get("using").and_then(Node::as_str) == Some("docker"))
            .and_then(|r| r.get("image"))
            && img.as_str().is_some_and(|s| s.starts_with("docker://"))
        {
            sites.push(("action".to_owned(), img));
        }
    }
    for (context, node) in sites {
        let Some(written) = node.as_str() else {
            continue;
        };
        if written.contains("${{") {
            continue;
        }
        let range = checker.node_range(node);
        let (text, range) = match written.strip_prefix("docker://") {
            Some(rest) => (rest.to_owned(), (range.start + 9).min(range.end)..range.end),
            None => (written.to_owned(), range),
        };
        check_image(
            checker,
            &ImageSite {
                text: &text,
                range,
                verbatim: true,
                origins: Vec::new(),
                unresolved: Vec::new(),
                context,
            },
        );
    }
}

/// Checks a Dockerfile: parse errors (E006), `FROM` images, `RUN` scripts.
pub(crate) fn check_dockerfile(checker: &mut Checker<'_>) {
    use crate::rules::input::InvalidDockerfile;
    let text = checker.file.text().to_owned();
    let df = fleetpin_dockerfile::parse(&text);
    // One error per file: a file that is not a Dockerfile at all would otherwise give one
    // per line.
    if let Some(e) = df.errors.first() {
        let mut d = checker.diagnostic(
            &InvalidDockerfile::RULE,
            e.range.clone(),
            format!("invalid Dockerfile: {}", e.kind),
        );
        if df.errors.len() > 1 {
            d = d.with_note(format!(
                "{} more problems in this file",
                df.errors.len() - 1
            ));
        }
        checker.report(Checker::with_severity(d, Severity::Error));
    }
    if df.instructions.is_empty() {
        if df.errors.is_empty() && text.trim().is_empty() {
            let d = checker.diagnostic(&InvalidDockerfile::RULE, 0..0, "the Dockerfile is empty");
            checker.report(d);
        }
        return;
    }
    let model = df.model();
    for img in &model.images {
        if img.resolved.eq_ignore_ascii_case("scratch") {
            continue;
        }
        let origins = img
            .substitutions
            .iter()
            .filter_map(|s| {
                s.defined_at.clone().map(|r| {
                    (
                        checker.span(r),
                        format!("`{}` = `{}` set here", s.name, s.value),
                    )
                })
            })
            .collect();
        let context = match img.kind {
            fleetpin_dockerfile::ImageUseKind::From => "`FROM`",
            fleetpin_dockerfile::ImageUseKind::CopyFrom => "`COPY --from`",
            fleetpin_dockerfile::ImageUseKind::MountFrom => "`RUN --mount`",
        };
        check_image(
            checker,
            &ImageSite {
                text: &img.resolved,
                range: img.range.clone(),
                verbatim: img.written == img.resolved,
                origins,
                unresolved: img.unresolved.clone(),
                context: context.to_owned(),
            },
        );
    }
    for run in &model.runs {
        let analysis = run.analyze();
        crate::rules::shell::report_analysis(checker, &analysis, &|r| r);
    }
}

/// Whether an image written with templates pins a digest outside them
/// (`{{ base }}@{{ facts.RepoDigests[0] | regex_replace('.*@', '') }}`, `app@sha256:{{ d }}`):
/// the `@` is literal text, so the reference is `name@digest` whatever the templates give.
fn digest_written_literally(written: &str) -> bool {
    let exprs = fleetpin_ansible::jinja::expression_ranges(written);
    let mut literal = String::new();
    let mut pos = 0;
    for r in exprs {
        literal.push_str(&written[pos..r.start]);
        literal.push(' ');
        pos = r.end;
    }
    literal.push_str(&written[pos..]);
    literal.contains('@') && !written.contains("{%")
}

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    rule_fixture!(img001, "image/IMG001", ["IMG001"]);
    rule_fixture!(img001_env_file, "image/IMG001-env", ["IMG001"]);
    rule_fixture!(img002, "image/IMG002", ["IMG"], ["IMG002"]);
    rule_fixture!(img002_off_by_default, "image/IMG002", []);
    // Issue 9: tags without a version component float (`postgres:alpine`, `rust:buster`).
    rule_fixture!(img001_no_version, "image/IMG001-no-version", ["IMG001"]);
    // Issue 9: an image built in the same file (`docker_image` `source: build`) and then run
    // is local, not a floating pull.
    rule_fixture!(img001_built_here, "image/IMG001-built", ["IMG001"]);
    rule_fixture!(img001_digest, "image/IMG001-digest", ["IMG001", "ANS005"]);
    rule_fixture!(img003, "image/IMG003", ["IMG"], ["IMG003"]);
    rule_fixture!(img003_off_by_default, "image/IMG003", ["IMG"]);
    rule_fixture!(
        img003_silent_with_required_pin_range,
        "image/IMG003-required-range",
        []
    );
}

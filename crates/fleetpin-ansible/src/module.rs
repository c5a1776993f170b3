//! Module names and what fleetpin knows about each module.
//!
//! [`normalize`] turns a module name as written (`apt`, `ansible.legacy.apt`,
//! `community.general.docker_image`) into its canonical FQCN (`ansible.builtin.apt`,
//! `community.docker.docker_image`), and [`info`] tells how a module expresses package names,
//! versions, states, images, refs and URLs.

use std::collections::HashMap;
use std::sync::LazyLock;

/// What a module does, as far as pinning is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// Installs packages (apt, dnf, pip, npm, ...).
    Package(&'static PackageModule),
    /// Works with container images (docker_image, docker_container, docker_stack, ...).
    Docker(&'static DockerModule),
    /// Checks out a version-controlled repository (git, hg, subversion).
    Vcs(&'static VcsModule),
    /// Downloads a file (get_url, unarchive, uri, win_get_url, win_package).
    Download(&'static DownloadModule),
    /// Runs a command line (shell, command, raw, script, win_shell, ...).
    Shell(&'static ShellModule),
    /// Manages a service (service, systemd, sysvinit, win_service).
    Service,
    /// Includes or imports tasks, roles, playbooks or variables.
    Include(IncludeKind),
    /// Anything else fleetpin knows by name (copy, template, debug, ...).
    Other,
}

/// What an include/import module brings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `include_tasks` (dynamic).
    IncludeTasks,
    /// `import_tasks` (static).
    ImportTasks,
    /// The deprecated/removed `include` (tasks or playbook).
    Include,
    /// `include_role` (dynamic).
    IncludeRole,
    /// `import_role` (static).
    ImportRole,
    /// `import_playbook`.
    ImportPlaybook,
    /// `include_vars`.
    IncludeVars,
}

impl IncludeKind {
    /// Whether the include brings in a role (its tasks, defaults, vars, handlers).
    pub fn is_role(self) -> bool {
        matches!(self, IncludeKind::IncludeRole | IncludeKind::ImportRole)
    }
}

/// The package manager behind a package module; `Generic` is `ansible.builtin.package`, which
/// delegates to the host's manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PackageManager {
    Apt,
    Dnf,
    Yum,
    Apk,
    Zypper,
    Pacman,
    Pip,
    Pipx,
    Npm,
    Yarn,
    Pnpm,
    Gem,
    Cargo,
    Snap,
    Flatpak,
    Homebrew,
    HomebrewCask,
    Pkgng,
    OpenbsdPkg,
    Portage,
    Chocolatey,
    Xbps,
    Pkgin,
    Swupd,
    Slackpkg,
    AptRpm,
    Opkg,
    Urpmi,
    Macports,
    /// `ansible.builtin.package`: the host's own manager (name syntax depends on it).
    Generic,
}

impl PackageManager {
    /// A short lowercase name: `apt`, `dnf`, `pip`, ... (`package` for [`Self::Generic`]).
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManager::Apt => "apt",
            PackageManager::Dnf => "dnf",
            PackageManager::Yum => "yum",
            PackageManager::Apk => "apk",
            PackageManager::Zypper => "zypper",
            PackageManager::Pacman => "pacman",
            PackageManager::Pip => "pip",
            PackageManager::Pipx => "pipx",
            PackageManager::Npm => "npm",
            PackageManager::Yarn => "yarn",
            PackageManager::Pnpm => "pnpm",
            PackageManager::Gem => "gem",
            PackageManager::Cargo => "cargo",
            PackageManager::Snap => "snap",
            PackageManager::Flatpak => "flatpak",
            PackageManager::Homebrew => "homebrew",
            PackageManager::HomebrewCask => "homebrew_cask",
            PackageManager::Pkgng => "pkgng",
            PackageManager::OpenbsdPkg => "openbsd_pkg",
            PackageManager::Portage => "portage",
            PackageManager::Chocolatey => "chocolatey",
            PackageManager::Xbps => "xbps",
            PackageManager::Pkgin => "pkgin",
            PackageManager::Swupd => "swupd",
            PackageManager::Slackpkg => "slackpkg",
            PackageManager::AptRpm => "apt_rpm",
            PackageManager::Opkg => "opkg",
            PackageManager::Urpmi => "urpmi",
            PackageManager::Macports => "macports",
            PackageManager::Generic => "package",
        }
    }
}

/// How a "whole system" upgrade is requested through a module argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeArg {
    /// An argument whose value is a mode: upgrades unless the value is one of `off_values`
    /// (apt's `upgrade: dist|full|safe|yes`, off for `no`).
    Mode {
        /// The argument name (`upgrade`).
        arg: &'static str,
        /// Values (compared case-insensitively, booleans normalised) that mean "no upgrade".
        off_values: &'static [&'static str],
    },
    /// A boolean argument that upgrades everything when true (apk `upgrade`, pacman
    /// `upgrade`, homebrew `upgrade_all`, portage `update` with `@world`).
    Bool(&'static str),
}

/// How a package module expresses package names, versions and states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageModule {
    /// The manager behind the module.
    pub manager: PackageManager,
    /// The argument holding the package name(s) and its aliases, preferred name first
    /// (`name`, `pkg`, `package`). A list, a comma-separated string or a single name.
    pub name_args: &'static [&'static str],
    /// A separate version argument (pip/npm/gem `version`), if the module has one.
    pub version_arg: Option<&'static str>,
    /// The state argument (`state`), if the module has one.
    pub state_arg: Option<&'static str>,
    /// The state when none is given.
    pub default_state: &'static str,
    /// States that upgrade to the newest available version.
    pub latest_states: &'static [&'static str],
    /// States that install when absent but never upgrade.
    pub present_states: &'static [&'static str],
    /// Whether `name: "*"` with a latest state upgrades every package (yum, dnf, zypper,
    /// pkgng, openbsd_pkg).
    pub star_upgrades_all: bool,
    /// Arguments that upgrade the whole system.
    pub upgrade_args: &'static [UpgradeArg],
    /// An argument passing extra command-line flags (pip `extra_args`), where `--upgrade`/`-U`
    /// means latest.
    pub extra_args: Option<&'static str>,
    /// Arguments that install from a file or project manifest rather than by name (apt `deb`,
    /// pip `requirements`, npm `path` without `name`): pinned by that file, not judged here.
    pub from_file_args: &'static [&'static str],
    /// Whether installed packages float regardless of arguments (snaps auto-refresh).
    pub always_floats: bool,
}

/// How a docker/podman module names its image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerModule {
    /// The argument holding an image reference (`image`, `name`), if any.
    pub image_arg: Option<&'static str>,
    /// A separate tag argument (`docker_image` `tag`, default `latest`).
    pub tag_arg: Option<&'static str>,
    /// Default of the tag argument when absent.
    pub default_tag: Option<&'static str>,
    /// The argument holding compose definitions (`docker_stack` `compose`, `docker_compose_v2`
    /// `definition`): inline compose mappings whose `services.*.image` are image references.
    pub compose_arg: Option<&'static str>,
    /// The registry-auth flag the module needs for private images on Swarm workers
    /// (`docker_stack` `with_registry_auth`).
    pub registry_auth_arg: Option<&'static str>,
}

/// How a VCS module names its repository and ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcsModule {
    /// The repository argument (`repo`).
    pub repo_arg: &'static str,
    /// The ref argument (`version` for git, `revision` for hg/subversion).
    pub ref_arg: &'static str,
    /// What the module checks out without a ref (`HEAD`, `default`).
    pub default_ref: &'static str,
}

/// How a download module names its URL and checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadModule {
    /// The URL argument (`url`, `src` for unarchive, `path` for win_package).
    pub url_arg: &'static str,
    /// The checksum argument, if the module has one.
    pub checksum_arg: Option<&'static str>,
    /// For `uri`: a download happens only when this argument (`dest`) is set.
    pub needs_arg: Option<&'static str>,
}

/// How a command module takes its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellModule {
    /// Whether the command runs through a shell (`shell`, `raw`, `win_shell`): pipes and `&&`
    /// work; `command` splits words itself.
    pub uses_shell: bool,
    /// Arguments that may hold the command line besides the free form (`cmd`, `argv`,
    /// `command` for `expect`).
    pub cmd_args: &'static [&'static str],
}

/// Everything fleetpin knows about one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// The canonical FQCN, e.g. `ansible.builtin.apt`.
    pub fqcn: &'static str,
    /// What the module does.
    pub kind: ModuleKind,
    /// Whether its free form is a command line (`parse_kv(check_raw=True)` in Ansible).
    pub free_form_raw: bool,
}

const PRESENT: &[&str] = &["present", "installed"];
const LATEST: &[&str] = &["latest"];
const NO_UPGRADE: &[UpgradeArg] = &[];
const NO_FILES: &[&str] = &[];

const fn pkg(
    manager: PackageManager,
    name_args: &'static [&'static str],
    version_arg: Option<&'static str>,
) -> PackageModule {
    PackageModule {
        manager,
        name_args,
        version_arg,
        state_arg: Some("state"),
        default_state: "present",
        latest_states: LATEST,
        present_states: PRESENT,
        star_upgrades_all: false,
        upgrade_args: NO_UPGRADE,
        extra_args: None,
        from_file_args: NO_FILES,
        always_floats: false,
    }
}

static APT: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Mode {
        arg: "upgrade",
        off_values: &["no", "false", "off", "n", "f", "0"],
    }],
    from_file_args: &["deb"],
    present_states: &["present", "fixed", "build-dep"],
    ..pkg(PackageManager::Apt, &["name", "package", "pkg"], None)
};
static PACKAGE: PackageModule = pkg(PackageManager::Generic, &["name"], None);
static YUM: PackageModule = PackageModule {
    star_upgrades_all: true,
    ..pkg(PackageManager::Yum, &["name", "pkg"], None)
};
static DNF: PackageModule = PackageModule {
    star_upgrades_all: true,
    ..pkg(PackageManager::Dnf, &["name", "pkg"], None)
};
static APK: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("upgrade")],
    ..pkg(PackageManager::Apk, &["name"], None)
};
static ZYPPER: PackageModule = PackageModule {
    star_upgrades_all: true,
    latest_states: &["latest", "dist-upgrade"],
    ..pkg(PackageManager::Zypper, &["name", "pkg"], None)
};
static PACMAN: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("upgrade")],
    ..pkg(PackageManager::Pacman, &["name", "package", "pkg"], None)
};
static PIP: PackageModule = PackageModule {
    extra_args: Some("extra_args"),
    from_file_args: &["requirements"],
    latest_states: &["latest", "forcereinstall"],
    ..pkg(PackageManager::Pip, &["name"], Some("version"))
};
static PIPX: PackageModule = PackageModule {
    latest_states: &["latest", "upgrade", "upgrade_all", "upgrade_shared"],
    present_states: &["present", "install", "installed"],
    default_state: "install",
    ..pkg(PackageManager::Pipx, &["name"], None)
};
static NPM: PackageModule = PackageModule {
    from_file_args: &["path"],
    ..pkg(PackageManager::Npm, &["name"], Some("version"))
};
static YARN: PackageModule = PackageModule {
    from_file_args: &["path"],
    ..pkg(PackageManager::Yarn, &["name"], Some("version"))
};
static PNPM: PackageModule = PackageModule {
    from_file_args: &["path"],
    ..pkg(PackageManager::Pnpm, &["name"], Some("version"))
};
static GEM: PackageModule = pkg(PackageManager::Gem, &["name"], Some("version"));
static CARGO: PackageModule = pkg(PackageManager::Cargo, &["name"], Some("version"));
static SNAP: PackageModule = PackageModule {
    always_floats: true,
    ..pkg(PackageManager::Snap, &["name"], None)
};
static FLATPAK: PackageModule = pkg(PackageManager::Flatpak, &["name"], None);
static HOMEBREW: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("upgrade_all"), UpgradeArg::Bool("upgrade")],
    latest_states: &["latest", "upgraded", "head"],
    ..pkg(
        PackageManager::Homebrew,
        &["name", "formula", "package", "pkg"],
        None,
    )
};
static HOMEBREW_CASK: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("upgrade_all"), UpgradeArg::Bool("upgrade")],
    latest_states: &["latest", "upgraded"],
    ..pkg(
        PackageManager::HomebrewCask,
        &["name", "cask", "package", "pkg"],
        None,
    )
};
static PKGNG: PackageModule = PackageModule {
    star_upgrades_all: true,
    ..pkg(PackageManager::Pkgng, &["name"], None)
};
static OPENBSD_PKG: PackageModule = PackageModule {
    star_upgrades_all: true,
    ..pkg(PackageManager::OpenbsdPkg, &["name"], None)
};
static PORTAGE: PackageModule = PackageModule {
    present_states: &["present", "installed", "emerged"],
    upgrade_args: &[UpgradeArg::Bool("update")],
    ..pkg(PackageManager::Portage, &["package", "name"], None)
};
static CHOCOLATEY: PackageModule = PackageModule {
    latest_states: &["latest", "upgrade"],
    ..pkg(PackageManager::Chocolatey, &["name"], Some("version"))
};
static XBPS: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("upgrade")],
    ..pkg(PackageManager::Xbps, &["name", "pkg", "package"], None)
};
static PKGIN: PackageModule = PackageModule {
    upgrade_args: &[
        UpgradeArg::Bool("upgrade"),
        UpgradeArg::Bool("full_upgrade"),
    ],
    ..pkg(PackageManager::Pkgin, &["name", "pkg"], None)
};
static SWUPD: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("update")],
    ..pkg(PackageManager::Swupd, &["name", "bundle"], None)
};
static SLACKPKG: PackageModule = pkg(PackageManager::Slackpkg, &["name", "pkg"], None);
static APT_RPM: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("dist_upgrade")],
    ..pkg(PackageManager::AptRpm, &["name", "package", "pkg"], None)
};
static OPKG: PackageModule = pkg(PackageManager::Opkg, &["name", "pkg"], None);
static URPMI: PackageModule = pkg(PackageManager::Urpmi, &["name", "package", "pkg"], None);
static MACPORTS: PackageModule = PackageModule {
    upgrade_args: &[UpgradeArg::Bool("upgrade")],
    ..pkg(PackageManager::Macports, &["name", "port"], None)
};

const fn docker(
    image_arg: Option<&'static str>,
    tag_arg: Option<&'static str>,
    default_tag: Option<&'static str>,
) -> DockerModule {
    DockerModule {
        image_arg,
        tag_arg,
        default_tag,
        compose_arg: None,
        registry_auth_arg: None,
    }
}

static DOCKER_IMAGE: DockerModule = docker(Some("name"), Some("tag"), Some("latest"));
static DOCKER_CONTAINER: DockerModule = docker(Some("image"), None, None);
static DOCKER_STACK: DockerModule = DockerModule {
    compose_arg: Some("compose"),
    registry_auth_arg: Some("with_registry_auth"),
    ..docker(None, None, None)
};
static DOCKER_COMPOSE: DockerModule = DockerModule {
    compose_arg: Some("definition"),
    ..docker(None, None, None)
};
static DOCKER_OTHER: DockerModule = docker(None, None, None);

static GIT: VcsModule = VcsModule {
    repo_arg: "repo",
    ref_arg: "version",
    default_ref: "HEAD",
};
static HG: VcsModule = VcsModule {
    repo_arg: "repo",
    ref_arg: "revision",
    default_ref: "default",
};
static SVN: VcsModule = VcsModule {
    repo_arg: "repo",
    ref_arg: "revision",
    default_ref: "HEAD",
};

static GET_URL: DownloadModule = DownloadModule {
    url_arg: "url",
    checksum_arg: Some("checksum"),
    needs_arg: None,
};
static UNARCHIVE: DownloadModule = DownloadModule {
    url_arg: "src",
    checksum_arg: None,
    needs_arg: None,
};
static URI: DownloadModule = DownloadModule {
    url_arg: "url",
    checksum_arg: None,
    needs_arg: Some("dest"),
};
static WIN_GET_URL: DownloadModule = DownloadModule {
    url_arg: "url",
    checksum_arg: Some("checksum"),
    needs_arg: None,
};
static WIN_PACKAGE: DownloadModule = DownloadModule {
    url_arg: "path",
    checksum_arg: None,
    needs_arg: None,
};

static SHELL: ShellModule = ShellModule {
    uses_shell: true,
    cmd_args: &["cmd"],
};
static COMMAND: ShellModule = ShellModule {
    uses_shell: false,
    cmd_args: &["cmd", "argv"],
};
static RAW: ShellModule = ShellModule {
    uses_shell: true,
    cmd_args: &[],
};
static SCRIPT: ShellModule = ShellModule {
    uses_shell: false,
    cmd_args: &["cmd"],
};
// expect runs its command with pexpect, not through a shell ("operations like `<`, `>`, `|`
// and `&` will not work", says its documentation).
static EXPECT: ShellModule = ShellModule {
    uses_shell: false,
    cmd_args: &["command"],
};

const fn m(fqcn: &'static str, kind: ModuleKind) -> ModuleInfo {
    ModuleInfo {
        fqcn,
        kind,
        free_form_raw: false,
    }
}

const fn raw(fqcn: &'static str, kind: ModuleKind) -> ModuleInfo {
    ModuleInfo {
        fqcn,
        kind,
        free_form_raw: true,
    }
}

use ModuleKind::{Docker, Download, Include, Other, Package, Service, Shell, Vcs};

/// Every module fleetpin knows, by canonical FQCN.
pub static MODULES: &[ModuleInfo] = &[
    // ansible.builtin
    m("ansible.builtin.apt", Package(&APT)),
    m("ansible.builtin.package", Package(&PACKAGE)),
    m("ansible.builtin.yum", Package(&YUM)),
    m("ansible.builtin.dnf", Package(&DNF)),
    m("ansible.builtin.dnf5", Package(&DNF)),
    m("ansible.builtin.pip", Package(&PIP)),
    m("ansible.builtin.git", Vcs(&GIT)),
    m("ansible.builtin.subversion", Vcs(&SVN)),
    m("ansible.builtin.get_url", Download(&GET_URL)),
    m("ansible.builtin.unarchive", Download(&UNARCHIVE)),
    m("ansible.builtin.uri", Download(&URI)),
    raw("ansible.builtin.shell", Shell(&SHELL)),
    raw("ansible.builtin.command", Shell(&COMMAND)),
    raw("ansible.builtin.raw", Shell(&RAW)),
    raw("ansible.builtin.script", Shell(&SCRIPT)),
    m("ansible.builtin.expect", Shell(&EXPECT)),
    m("ansible.builtin.service", Service),
    m("ansible.builtin.systemd", Service),
    m("ansible.builtin.systemd_service", Service),
    m("ansible.builtin.sysvinit", Service),
    m(
        "ansible.builtin.include_tasks",
        Include(IncludeKind::IncludeTasks),
    ),
    m(
        "ansible.builtin.import_tasks",
        Include(IncludeKind::ImportTasks),
    ),
    m("ansible.builtin.include", Include(IncludeKind::Include)),
    m(
        "ansible.builtin.include_role",
        Include(IncludeKind::IncludeRole),
    ),
    m(
        "ansible.builtin.import_role",
        Include(IncludeKind::ImportRole),
    ),
    m(
        "ansible.builtin.import_playbook",
        Include(IncludeKind::ImportPlaybook),
    ),
    m(
        "ansible.builtin.include_vars",
        Include(IncludeKind::IncludeVars),
    ),
    m("ansible.builtin.add_host", Other),
    m("ansible.builtin.apt_key", Other),
    m("ansible.builtin.apt_repository", Other),
    m("ansible.builtin.assemble", Other),
    m("ansible.builtin.assert", Other),
    m("ansible.builtin.async_status", Other),
    m("ansible.builtin.blockinfile", Other),
    m("ansible.builtin.copy", Other),
    m("ansible.builtin.cron", Other),
    m("ansible.builtin.deb822_repository", Other),
    m("ansible.builtin.debconf", Other),
    m("ansible.builtin.debug", Other),
    m("ansible.builtin.dpkg_selections", Other),
    m("ansible.builtin.fail", Other),
    m("ansible.builtin.fetch", Other),
    m("ansible.builtin.file", Other),
    m("ansible.builtin.find", Other),
    m("ansible.builtin.gather_facts", Other),
    m("ansible.builtin.getent", Other),
    m("ansible.builtin.group", Other),
    m("ansible.builtin.group_by", Other),
    m("ansible.builtin.hostname", Other),
    m("ansible.builtin.iptables", Other),
    m("ansible.builtin.known_hosts", Other),
    m("ansible.builtin.lineinfile", Other),
    m("ansible.builtin.meta", Other),
    m("ansible.builtin.mount_facts", Other),
    m("ansible.builtin.package_facts", Other),
    m("ansible.builtin.pause", Other),
    m("ansible.builtin.ping", Other),
    m("ansible.builtin.reboot", Other),
    m("ansible.builtin.replace", Other),
    m("ansible.builtin.rpm_key", Other),
    m("ansible.builtin.service_facts", Other),
    m("ansible.builtin.set_fact", Other),
    m("ansible.builtin.set_stats", Other),
    m("ansible.builtin.setup", Other),
    m("ansible.builtin.slurp", Other),
    m("ansible.builtin.stat", Other),
    m("ansible.builtin.tempfile", Other),
    m("ansible.builtin.template", Other),
    m("ansible.builtin.user", Other),
    m("ansible.builtin.validate_argument_spec", Other),
    m("ansible.builtin.wait_for", Other),
    m("ansible.builtin.wait_for_connection", Other),
    m("ansible.builtin.yum_repository", Other),
    // community.general
    m("community.general.apk", Package(&APK)),
    m("community.general.zypper", Package(&ZYPPER)),
    m("community.general.pacman", Package(&PACMAN)),
    m("community.general.pipx", Package(&PIPX)),
    m("community.general.npm", Package(&NPM)),
    m("community.general.yarn", Package(&YARN)),
    m("community.general.pnpm", Package(&PNPM)),
    m("community.general.gem", Package(&GEM)),
    m("community.general.cargo", Package(&CARGO)),
    m("community.general.snap", Package(&SNAP)),
    m("community.general.flatpak", Package(&FLATPAK)),
    m("community.general.homebrew", Package(&HOMEBREW)),
    m("community.general.homebrew_cask", Package(&HOMEBREW_CASK)),
    m("community.general.pkgng", Package(&PKGNG)),
    m("community.general.openbsd_pkg", Package(&OPENBSD_PKG)),
    m("community.general.portage", Package(&PORTAGE)),
    m("community.general.xbps", Package(&XBPS)),
    m("community.general.pkgin", Package(&PKGIN)),
    m("community.general.swupd", Package(&SWUPD)),
    m("community.general.slackpkg", Package(&SLACKPKG)),
    m("community.general.apt_rpm", Package(&APT_RPM)),
    m("community.general.opkg", Package(&OPKG)),
    m("community.general.urpmi", Package(&URPMI)),
    m("community.general.macports", Package(&MACPORTS)),
    m("community.general.hg", Vcs(&HG)),
    m("community.general.ufw", Other),
    m("community.general.modprobe", Other),
    m("community.general.timezone", Other),
    m("community.general.locale_gen", Other),
    // chocolatey / windows
    m("chocolatey.chocolatey.win_chocolatey", Package(&CHOCOLATEY)),
    m("ansible.windows.win_package", Download(&WIN_PACKAGE)),
    m("ansible.windows.win_get_url", Download(&WIN_GET_URL)),
    raw("ansible.windows.win_shell", Shell(&SHELL)),
    raw("ansible.windows.win_command", Shell(&COMMAND)),
    m("ansible.windows.win_service", Service),
    // community.docker
    m("community.docker.docker_image", Docker(&DOCKER_IMAGE)),
    m("community.docker.docker_image_pull", Docker(&DOCKER_IMAGE)),
    m(
        "community.docker.docker_container",
        Docker(&DOCKER_CONTAINER),
    ),
    m(
        "community.docker.docker_swarm_service",
        Docker(&DOCKER_CONTAINER),
    ),
    m("community.docker.docker_stack", Docker(&DOCKER_STACK)),
    m(
        "community.docker.docker_compose_v2",
        Docker(&DOCKER_COMPOSE),
    ),
    m("community.docker.docker_compose", Docker(&DOCKER_COMPOSE)),
    m("community.docker.docker_image_build", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_image_push", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_image_tag", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_image_load", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_login", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_network", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_volume", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_swarm", Docker(&DOCKER_OTHER)),
    m("community.docker.docker_prune", Docker(&DOCKER_OTHER)),
    // containers.podman
    m("containers.podman.podman_image", Docker(&DOCKER_IMAGE)),
    m(
        "containers.podman.podman_container",
        Docker(&DOCKER_CONTAINER),
    ),
    // ansible.posix
    m("ansible.posix.synchronize", Other),
    m("ansible.posix.mount", Other),
    m("ansible.posix.sysctl", Other),
    m("ansible.posix.authorized_key", Other),
    m("ansible.posix.firewalld", Other),
    m("ansible.posix.selinux", Other),
    m("ansible.posix.seboolean", Other),
    m("ansible.posix.patch", Other),
    m("ansible.posix.at", Other),
    m("ansible.posix.acl", Other),
];

/// Collection prefixes that moved (`meta/runtime.yml` redirects), old prefix → new
/// collection, for modules whose short name starts with the given prefix.
const REDIRECTS: &[(&str, &str, &str)] = &[
    // community.general 2.0 moved the docker modules to community.docker.
    ("community.general.", "docker_", "community.docker."),
    ("community.general.", "podman_", "containers.podman."),
    (
        "community.general.",
        "win_chocolatey",
        "chocolatey.chocolatey.",
    ),
    (
        "ansible.windows.",
        "win_chocolatey",
        "chocolatey.chocolatey.",
    ),
    (
        "community.windows.",
        "win_chocolatey",
        "chocolatey.chocolatey.",
    ),
];

struct Tables {
    by_fqcn: HashMap<&'static str, &'static ModuleInfo>,
    by_short: HashMap<&'static str, &'static ModuleInfo>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut by_fqcn = HashMap::new();
    let mut by_short = HashMap::new();
    for info in MODULES {
        by_fqcn.insert(info.fqcn, info);
        let short = short_name(info.fqcn);
        // Builtins win for bare names; otherwise the first collection listed.
        by_short.entry(short).or_insert(info);
    }
    Tables { by_fqcn, by_short }
});

/// The last dotted component of a module name (`community.general.apk` → `apk`).
pub fn short_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Canonical FQCN of a module name as written: `ansible.legacy.X` and `ansible.builtin.X` →
/// where the bare `X` goes; a
/// bare known name → its collection (`apt` → `ansible.builtin.apt`, `apk` →
/// `community.general.apk`, `docker_image` → `community.docker.docker_image`); moved
/// modules follow their redirect (`community.general.docker_image` →
/// `community.docker.docker_image`). Unknown names are returned as written.
pub fn normalize(written: &str) -> String {
    let written = written.trim();
    // `ansible.legacy.X` is looked up like the bare `X`, and `ansible.builtin.X` follows
    // ansible-core's routing table (`ansible_builtin_runtime.yml`) to where `X` moved: both
    // name the module the bare name does (`ansible.builtin.docker_image` is
    // `community.docker.docker_image`).
    if let Some(rest) = written
        .strip_prefix("ansible.legacy.")
        .or_else(|| written.strip_prefix("ansible.builtin."))
        && !rest.contains('.')
    {
        return match TABLES.by_short.get(rest) {
            Some(info) => info.fqcn.to_string(),
            None => format!("ansible.builtin.{rest}"),
        };
    }
    if !written.contains('.') {
        return match TABLES.by_short.get(written) {
            Some(info) => info.fqcn.to_string(),
            None => written.to_string(),
        };
    }
    normalize_dotted(written)
}

fn normalize_dotted(name: &str) -> String {
    if TABLES.by_fqcn.contains_key(name) {
        return name.to_string();
    }
    let short = short_name(name);
    for (old, short_prefix, new) in REDIRECTS {
        if name.starts_with(old) && short.starts_with(short_prefix) {
            return format!("{new}{short}");
        }
    }
    // `ansible.builtin.X` for a module we do not list: keep as written.
    name.to_string()
}

/// What fleetpin knows about a module, by any name ([`normalize`] is applied).
pub fn info(name: &str) -> Option<&'static ModuleInfo> {
    let fqcn = normalize(name);
    TABLES.by_fqcn.get(fqcn.as_str()).copied()
}

/// Whether a task key could be a module name: identifiers with optional dots, no spaces.
pub fn looks_like_module_name(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && !key.starts_with('.')
        && !key.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqcn_normalisation() {
        let cases = [
            ("apt", "ansible.builtin.apt"),
            ("ansible.builtin.apt", "ansible.builtin.apt"),
            ("ansible.legacy.apt", "ansible.builtin.apt"),
            ("apk", "community.general.apk"),
            ("community.general.apk", "community.general.apk"),
            ("docker_image", "community.docker.docker_image"),
            (
                "community.general.docker_image",
                "community.docker.docker_image",
            ),
            (
                "community.general.docker_swarm_service",
                "community.docker.docker_swarm_service",
            ),
            ("win_chocolatey", "chocolatey.chocolatey.win_chocolatey"),
            (
                "community.windows.win_chocolatey",
                "chocolatey.chocolatey.win_chocolatey",
            ),
            ("hg", "community.general.hg"),
            ("shell", "ansible.builtin.shell"),
            ("ansible.legacy.command", "ansible.builtin.command"),
            ("my_custom_module", "my_custom_module"),
            ("acme.tools.thing", "acme.tools.thing"),
        ];
        for (written, fqcn) in cases {
            assert_eq!(normalize(written), fqcn, "{written}");
        }
    }

    #[test]
    fn fqcns_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for info in MODULES {
            assert!(seen.insert(info.fqcn), "duplicate {}", info.fqcn);
            assert_eq!(info.fqcn.matches('.').count(), 2, "{}", info.fqcn);
            assert_eq!(normalize(info.fqcn), info.fqcn);
        }
    }

    #[test]
    fn every_package_module_has_a_name_and_latest_state() {
        for info in MODULES {
            if let ModuleKind::Package(p) = info.kind {
                assert!(!p.name_args.is_empty(), "{}", info.fqcn);
                assert!(!p.latest_states.is_empty(), "{}", info.fqcn);
                assert!(
                    p.present_states.contains(&p.default_state),
                    "{}: default state {} is not a present state",
                    info.fqcn,
                    p.default_state
                );
            }
        }
    }

    #[test]
    fn knowledge_lookups() {
        let apt = info("ansible.legacy.apt").unwrap();
        let ModuleKind::Package(p) = apt.kind else {
            panic!("apt is a package module");
        };
        assert_eq!(p.manager, PackageManager::Apt);
        assert!(p.name_args.contains(&"pkg"));
        assert!(matches!(info("git").unwrap().kind, ModuleKind::Vcs(v) if v.ref_arg == "version"));
        assert!(
            matches!(info("docker_stack").unwrap().kind, ModuleKind::Docker(d) if d.registry_auth_arg == Some("with_registry_auth"))
        );
        assert!(info("shell").unwrap().free_form_raw);
        assert!(!info("apt").unwrap().free_form_raw);
        assert!(info("nope_not_a_module").is_none());
        assert!(looks_like_module_name("community.general.apk"));
        assert!(!looks_like_module_name("with items"));
    }
}

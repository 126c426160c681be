"""The plugin manager: built-ins through the same hooks, entry points, disabling, API versions, clashes."""

from __future__ import annotations

import pytest

from plugins_support import install_fake_dist, make_plugin, plugin_source, value_check
from rfsrules.engines.api import EngineSpec
from rfsrules.errors import PluginError, UnknownNameError
from rfsrules.plugins import manager as manager_mod
from rfsrules.plugins.hookspecs import PLUGIN_API_VERSION, hookimpl
from rfsrules.plugins.manager import (
    DEFAULT_PLUGINS, PluginManager, PluginNameClash, configure_plugins, get_plugin_manager,
    parse_disable_options, plugin_config, set_plugin_manager,
)
from rfsrules.plugins.specs import ChannelSpec, DetectorSpec, TemplateSpec

BUILTIN_CHECKS = {
    "rfsrules.checks.builtin.presence": ["not_null", "required"],
    "rfsrules.checks.builtin.values": ["in", "length", "max_age", "not_in", "pattern", "range", "type"],
    "rfsrules.checks.builtin.records": ["expression", "json_schema", "unique"],
    "rfsrules.checks.builtin.batch": ["duplicate_rate", "null_rate", "row_count", "statistic"],
}


def bare(**kwargs) -> PluginManager:
    """A manager without built-ins or installed plugins, loaded."""
    kwargs.setdefault("builtins", ())
    kwargs.setdefault("entry_points", False)
    kwargs.setdefault("env", {})
    return PluginManager(**kwargs).load()


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A directory on sys.path where tests install fake distributions."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    return path


# --- built-ins ---------------------------------------------------------------------------------------

def test_builtins_are_plugins_registered_through_the_same_hooks():
    manager = PluginManager(entry_points=False, env={}).load()
    assert [p.name for p in manager.plugins] == list(DEFAULT_PLUGINS)
    assert {p.kind for p in manager.plugins} == {"builtin"}
    for module, names in BUILTIN_CHECKS.items():
        assert manager.plugin(module).registered["checks"] == names
        assert {manager.checks.get(n).plugin for n in names} == {module}
    assert manager.plugin("rfsrules.engines.python").registered == {"engines": ["python"]}
    assert manager.engines["python"].plugin == "rfsrules.engines.python"
    assert len(manager.checks) == 16
    assert manager.load_errors == [] and manager.conflicts == []


def test_no_plugins_keeps_builtins(monkeypatch):
    manager = PluginManager(env={"RFSRULES_NO_PLUGINS": "1"}).load()
    assert [p.kind for p in manager.plugins] == ["builtin"] * len(DEFAULT_PLUGINS)
    assert "pii.email_masked" not in manager.checks
    assert "range" in manager.checks


def test_default_manager_includes_installed_plugin_packages():
    manager = PluginManager(env={}).load()
    pii = manager.plugin("pii")
    assert (pii.kind, pii.distribution, pii.version, pii.module) == ("entry_point", "rfsrules-pii", "0.1.0", "rfsrules_pii")
    assert pii.registered["checks"] == ["pii.credit_card_masked", "pii.email_masked", "pii.iban_masked",
                                        "pii.no_pii", "pii.phone_masked"]
    assert manager.checks.get("geo.country_code").plugin == "geo"


def test_get_plugin_manager_is_lazy_and_configurable():
    try:
        configure_plugins(disabled=["no:pii", "geo"])
        assert plugin_config() == {"disabled": ("pii", "geo"), "entry_points": True}
        manager = get_plugin_manager()
        assert get_plugin_manager() is manager
        assert "pii.email_masked" not in manager.checks and "geo.latitude" not in manager.checks
        configure_plugins(no_plugins=True)
        assert get_plugin_manager() is not manager
        assert get_plugin_manager().use_entry_points is False
    finally:
        configure_plugins()
        set_plugin_manager(None)
    assert "pii.email_masked" in get_plugin_manager().checks


def test_parse_disable_options_accepts_pytest_spelling():
    assert parse_disable_options(["no:pii", "geo,acme", " x "]) == ["pii", "geo", "acme", "x"]
    assert parse_disable_options([]) == []


# --- merging and tagging -----------------------------------------------------------------------------

def test_registrations_are_merged_and_tagged_with_the_plugin_name():
    first = make_plugin("first", checks=[value_check("acme.a")])
    second = make_plugin("second", checks=[value_check("acme.b"), value_check("acme.c")],
                         rfsrules_register_engines=lambda: [EngineSpec(name="acme", factory=object)])
    manager = bare(extra_plugins=[first, second])
    assert manager.checks.names() == ["acme.a", "acme.b", "acme.c"]
    assert [manager.checks.get(n).plugin for n in manager.checks.names()] == ["first", "second", "second"]
    assert manager.engines["acme"].plugin == "second"
    assert [(p.name, p.kind, p.registered) for p in manager.plugins] == [
        ("first", "object", {"checks": ["acme.a"]}),
        ("second", "object", {"checks": ["acme.b", "acme.c"], "engines": ["acme"]}),
    ]


def test_check_name_clash_names_both_plugins():
    first = make_plugin("first", checks=[value_check("acme.same")])
    second = make_plugin("second", checks=[value_check("acme.same")])
    with pytest.raises(PluginNameClash) as err:
        bare(extra_plugins=[first, second])
    assert str(err.value) == "check 'acme.same' is registered by both plugin 'first' and plugin 'second'"
    assert (err.value.first, err.value.second, err.value.kind) == ("first", "second", "check")
    assert isinstance(err.value, PluginError)


def test_clash_with_a_builtin_names_the_builtin_module():
    evil = make_plugin("evil", checks=[value_check("range")])
    with pytest.raises(PluginNameClash, match="check 'range' is registered by both plugin "
                                              "'rfsrules.checks.builtin.values' and plugin 'evil'"):
        PluginManager(entry_points=False, env={}, extra_plugins=[evil]).load()


def test_non_strict_manager_records_clashes_and_keeps_the_first():
    first = make_plugin("first", checks=[value_check("acme.same", summary="first one")])
    second = make_plugin("second", checks=[value_check("acme.same")],
                         rfsrules_register_engines=lambda: [EngineSpec(name="e", factory=object)] * 2)
    manager = bare(extra_plugins=[first, second], strict=False)
    assert manager.checks.get("acme.same").summary == "first one"
    assert [str(c) for c in manager.conflicts] == [
        "check 'acme.same' is registered by both plugin 'first' and plugin 'second'",
        "engine 'e' is registered by both plugin 'second' and plugin 'second'",
    ]


def test_every_kind_is_merged_with_clash_detection(tmp_path):
    detector = DetectorSpec(name="acme.spike", summary="spikes", factory=object)
    channel = ChannelSpec(name="acme.pager", summary="pager", factory=object)
    templates = TemplateSpec(name="acme", directory=tmp_path)
    plugin = make_plugin("acme", rfsrules_register_detectors=lambda: [detector],
                         rfsrules_register_channels=lambda: [channel],
                         rfsrules_register_templates=lambda: [templates])
    manager = bare(extra_plugins=[plugin])
    assert manager.detector("acme.spike").plugin == "acme"
    assert manager.channel("acme.pager").plugin == "acme"
    assert manager.templates["acme"].plugin == "acme"
    with pytest.raises(UnknownNameError, match=r"unknown detector 'acme.spkie' \(did you mean 'acme.spike'\?\)"):
        manager.detector("acme.spkie")
    with pytest.raises(UnknownNameError, match="unknown channel 'slack'"):
        manager.channel("slack")
    again = make_plugin("other", rfsrules_register_templates=lambda: [TemplateSpec(name="acme", directory=tmp_path)])
    with pytest.raises(PluginNameClash, match="template set 'acme' is registered by both plugin 'acme' and plugin 'other'"):
        bare(extra_plugins=[plugin, again])


def test_registration_hook_results_are_type_checked():
    not_a_list = make_plugin("nolist", rfsrules_register_checks=lambda: value_check("x.y"))
    with pytest.raises(PluginError, match="plugin 'nolist' failed in rfsrules_register_checks: "
                                          "must return a list, got CheckSpec"):
        bare(extra_plugins=[not_a_list])
    wrong = make_plugin("wrong", rfsrules_register_engines=lambda: [value_check("x.y")])
    with pytest.raises(PluginError, match="returned a CheckSpec, expected EngineSpec"):
        bare(extra_plugins=[wrong])
    none = make_plugin("none", rfsrules_register_checks=lambda: None)
    assert bare(extra_plugins=[none]).plugin("none").registered == {}


def test_invalid_params_schema_is_rejected_at_registration():
    plugin = make_plugin("sloppy", checks=[value_check("s.x", params={"n": {"type": "nope"}})])
    with pytest.raises(PluginError) as err:
        bare(extra_plugins=[plugin])
    assert str(err.value).startswith("plugin 'sloppy' failed in rfsrules_register_checks: check 's.x': "
                                     "invalid params schema at properties/n/type: 'nope' is not valid under")


def test_registration_hook_that_raises_names_the_plugin():
    def boom():
        raise RuntimeError("no config")

    plugin = make_plugin("boomer", rfsrules_register_checks=boom)
    with pytest.raises(PluginError) as err:
        bare(extra_plugins=[plugin])
    assert str(err.value) == "plugin 'boomer' failed in rfsrules_register_checks: RuntimeError: no config"


# --- plugin API version and hook validation --------------------------------------------------------

def test_plugin_requiring_a_newer_api_is_rejected_with_a_clear_error():
    plugin = make_plugin("future", checks=[value_check("f.x")], api=PLUGIN_API_VERSION + 1)
    with pytest.raises(PluginError) as err:
        bare(extra_plugins=[plugin])
    assert str(err.value) == (
        f"plugin 'future' failed in load: plugin requires rfsrules plugin API {PLUGIN_API_VERSION + 1}, "
        f"but rfsrules 0.1.0 provides API {PLUGIN_API_VERSION}; upgrade rfsrules or use an older "
        "version of 'future'")


@pytest.mark.parametrize("api", ["1", 0, True, 1.0])
def test_invalid_api_declarations_are_rejected(api):
    with pytest.raises(PluginError, match=r"RFSRULES_PLUGIN_API must be a positive integer"):
        bare(extra_plugins=[make_plugin("bad", api=api)])


def test_declared_current_api_is_accepted():
    manager = bare(extra_plugins=[make_plugin("ok", checks=[value_check("ok.x")], api=1)])
    assert manager.plugin("ok").api == 1


def test_unknown_hook_is_an_error_with_a_suggestion():
    plugin = make_plugin("typo", rfsrules_register_check=lambda: [])
    with pytest.raises(PluginError) as err:
        bare(extra_plugins=[plugin])
    assert str(err.value) == ("plugin 'typo' failed in rfsrules_register_check: unknown hook "
                              "'rfsrules_register_check' (did you mean 'rfsrules_register_checks', "
                              "'rfsrules_register_channels', 'rfsrules_register_detectors'?)")


def test_optional_unknown_hooks_are_allowed():
    @hookimpl(optionalhook=True)
    def rfsrules_future_hook():
        return None

    manager = bare(extra_plugins=[make_plugin("opt", rfsrules_future_hook=rfsrules_future_hook)])
    assert manager.plugin("opt").hooks == []


def test_hook_with_arguments_not_in_the_spec_is_rejected():
    plugin = make_plugin("args", rfsrules_batch_checked=lambda report, ruleset, extra: None)
    with pytest.raises(PluginError) as err:
        bare(extra_plugins=[plugin])
    assert str(err.value) == (
        "plugin 'args' failed in register: Plugin 'args' for hook 'rfsrules_batch_checked'; "
        "hookimpl definition: <lambda>(report, ruleset, extra); Argument(s) {'extra'} are declared "
        "in the hookimpl but can not be found in the hookspec")


# --- installed plugins (entry points) --------------------------------------------------------------

def test_entry_point_plugin_is_loaded_with_its_distribution_version(site):
    install_fake_dist(site, "rfsrules-acme", "1.2.3", {"acme": "acme_ep_ok"},
                      {"acme_ep_ok.py": plugin_source("acme.even")})
    manager = PluginManager(builtins=(), env={}).load()
    info = manager.plugin("acme")
    assert (info.kind, info.distribution, info.version, info.module) == ("entry_point", "rfsrules-acme", "1.2.3", "acme_ep_ok")
    assert manager.checks.get("acme.even").plugin == "acme"


def test_entry_point_that_fails_to_import_becomes_a_load_error(site):
    install_fake_dist(site, "rfsrules-broken", "0.1", {"broken": "acme_ep_missing_module"})
    manager = PluginManager(builtins=(), env={}).load()
    assert [str(e) for e in manager.load_errors] == [
        "plugin 'broken' failed in import: ModuleNotFoundError: No module named 'acme_ep_missing_module'"]
    assert manager.load_errors[0].plugin == "broken"
    assert "broken" not in [p.name for p in manager.plugins]
    assert "pii.email_masked" in manager.checks  # the others still load


def test_entry_point_requiring_newer_api_is_skipped_and_reported(site):
    install_fake_dist(site, "rfsrules-future", "9.0", {"future": "acme_ep_future"},
                      {"acme_ep_future.py": plugin_source("future.x", api=PLUGIN_API_VERSION + 1)})
    manager = PluginManager(builtins=(), env={}).load()
    assert len(manager.load_errors) == 1
    error = manager.load_errors[0]
    assert error.plugin == "future"
    assert f"requires rfsrules plugin API {PLUGIN_API_VERSION + 1}" in str(error)
    assert "use an older version of 'rfsrules-future'" in str(error)
    assert "future.x" not in manager.checks


def test_entry_point_whose_registration_fails_is_dropped(site):
    install_fake_dist(site, "rfsrules-raiser", "0.1", {"raiser": "acme_ep_raiser"}, {"acme_ep_raiser.py": """
        from rfsrules.plugins.hookspecs import hookimpl

        @hookimpl
        def rfsrules_register_checks():
            raise KeyError("oops")

        @hookimpl
        def rfsrules_batch_checked(report, ruleset):
            pass
    """})
    manager = PluginManager(builtins=(), env={}).load()
    assert [str(e) for e in manager.load_errors] == [
        "plugin 'raiser' failed in rfsrules_register_checks: KeyError: 'oops'"]
    assert "raiser" not in [p.name for p in manager.plugins]
    assert manager.hook.rfsrules_batch_checked.get_hookimpls() == []


def test_entry_point_clash_between_distributions_names_both(site):
    install_fake_dist(site, "rfsrules-one", "1.0", {"one": "acme_ep_one"}, {"acme_ep_one.py": plugin_source("dup.check")})
    install_fake_dist(site, "rfsrules-two", "1.0", {"two": "acme_ep_two"}, {"acme_ep_two.py": plugin_source("dup.check")})
    with pytest.raises(PluginNameClash, match="check 'dup.check' is registered by both plugin 'one' and plugin 'two'"):
        PluginManager(builtins=(), env={}).load()
    manager = PluginManager(builtins=(), env={}, strict=False).load()
    assert manager.checks.get("dup.check").plugin == "one"


def test_same_entry_point_name_in_two_distributions(site):
    install_fake_dist(site, "rfsrules-aa", "1.0", {"samename": "acme_ep_aa"}, {"acme_ep_aa.py": plugin_source("aa.x")})
    install_fake_dist(site, "rfsrules-bb", "1.0", {"samename": "acme_ep_bb"}, {"acme_ep_bb.py": plugin_source("bb.x")})
    manager = PluginManager(builtins=(), env={}).load()
    assert len(manager.load_errors) == 1
    assert "entry point name 'samename' of" in str(manager.load_errors[0])
    assert "is already used by" in str(manager.load_errors[0])


@pytest.mark.parametrize("how", ["argument", "env", "distribution", "module", "no-plugins"])
def test_installed_plugins_can_be_disabled(site, how):
    install_fake_dist(site, "rfsrules-dis", "1.0", {"dis": "acme_ep_dis"}, {"acme_ep_dis.py": plugin_source("dis.x")})
    kwargs: dict = {"builtins": DEFAULT_PLUGINS[:1], "env": {}}
    if how == "argument":
        kwargs["disabled"] = ["dis"]
    elif how == "env":
        kwargs["env"] = {"RFSRULES_DISABLE_PLUGINS": "other, dis"}
    elif how == "distribution":
        kwargs["disabled"] = ["rfsrules-dis"]
    elif how == "module":
        kwargs["disabled"] = ["acme_ep_dis"]
    else:
        kwargs["entry_points"] = False
    manager = PluginManager(**kwargs).load()
    assert "dis.x" not in manager.checks
    assert "required" in manager.checks  # built-ins cannot be disabled
    kwargs.pop("disabled", None)
    kwargs.pop("entry_points", None)
    kwargs["env"] = {}
    assert "dis.x" in PluginManager(**kwargs).load().checks


def test_builtins_ignore_disabling():
    manager = PluginManager(disabled=list(DEFAULT_PLUGINS), entry_points=False, env={}).load()
    assert [p.name for p in manager.plugins] == list(DEFAULT_PLUGINS)


def test_tracing_writes_hook_calls_to_stderr(capfd):
    plugin = make_plugin("traced", rfsrules_batch_checked=lambda report, ruleset: None)
    manager = bare(extra_plugins=[plugin], env={"RFSRULES_TRACE_PLUGINS": "1"})
    manager.notify_batch_checked(report="R", ruleset="S")
    assert "rfsrules_batch_checked" in capfd.readouterr().err


# --- derive, lookups --------------------------------------------------------------------------------

def test_derive_adds_plugins_without_changing_the_base():
    base = bare(extra_plugins=[make_plugin("basep", checks=[value_check("b.x")])])
    extra = make_plugin("extrap", checks=[value_check("e.x")])
    derived = base.derive(extra_plugins=[extra])
    assert derived.checks.names() == ["b.x", "e.x"]
    assert base.checks.names() == ["b.x"]
    assert [p.name for p in derived.plugins] == ["basep", "extrap"]
    assert derived.plugin("basep").registered == {"checks": ["b.x"]}


def test_plugin_lookup_suggests_close_names():
    manager = bare(extra_plugins=[make_plugin("acme", checks=[value_check("a.x")])])
    with pytest.raises(UnknownNameError, match=r"unknown plugin 'acmee' \(did you mean 'acme'\?\)"):
        manager.plugin("acmee")


def test_engine_lookup_builds_with_the_merged_registry():
    made = []
    spec = EngineSpec(name="fake", factory=lambda registry: made.append(registry) or "engine")
    manager = bare(extra_plugins=[make_plugin("eng", rfsrules_register_engines=lambda: [spec])])
    assert manager.engine("fake") == "engine"
    assert made == [manager.checks]
    with pytest.raises(UnknownNameError, match=r"unknown engine 'fak' \(did you mean 'fake'\?\)"):
        manager.engine("fak")


def test_template_loader_serves_every_set_under_its_prefix(tmp_path):
    import jinja2

    (tmp_path / "summary.txt.j2").write_text("{{ name }} ok")
    own = TemplateSpec(name="acme", directory=tmp_path)
    other = TemplateSpec(name="mem", loader=jinja2.DictLoader({"x.j2": "mem {{ name }}"}))
    manager = bare(extra_plugins=[make_plugin("t", rfsrules_register_templates=lambda: [own, other])])
    env = jinja2.Environment(loader=manager.template_loader())
    assert env.get_template("acme/summary.txt.j2").render(name="batch") == "batch ok"
    assert env.get_template("mem/x.j2").render(name="b") == "mem b"


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "a"}, "give exactly one of directory= or loader="),
    ({"name": "a", "directory": ".", "loader": object()}, "give exactly one of directory= or loader="),
    ({"name": "a/b", "directory": "."}, "must be non-empty and contain no '/'"),
])
def test_template_spec_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TemplateSpec(**kwargs)


def test_manager_module_keeps_old_names():
    assert manager_mod.hookimpl is hookimpl
    assert callable(manager_mod.rfsrules_register_checks)
    assert callable(manager_mod.rfsrules_register_engines)
    with pytest.raises(AttributeError):
        manager_mod.no_such_name  # noqa: B018


def test_builtin_params_schemas_are_valid():
    """Every built-in check declares a valid parameters schema (the ruleset schema is built from them)."""
    import jsonschema

    from rfsrules.plugins.manager import PluginManager

    manager = PluginManager(entry_points=False).load()
    builtin = [spec for spec in manager.checks if spec.plugin.startswith("rfsrules.")]
    assert len(builtin) == 16
    for spec in builtin:
        jsonschema.Draft202012Validator.check_schema(spec.params_schema())

using System.Text.RegularExpressions;
using SystemdMatrix.Settings;

namespace SystemdMatrix.Tests.Settings;

public sealed partial class HarnessSettingsTests
{
    [Test]
    public void Unset_variables_give_the_documented_defaults()
    {
        var settings = HarnessSettings.Parse(new Dictionary<string, string>());

        Assert.Multiple(() =>
        {
            Assert.That(settings.Cache, Is.EqualTo("/var/cache/systemd-matrix"));
            Assert.That(settings.EngineStateRoot, Is.EqualTo("/run/systemd-matrix/engines"));
            Assert.That(settings.VmDataRoot, Is.EqualTo("/var/lib/systemd-matrix/vms"));
            Assert.That(settings.Accelerator, Is.Null, "probed");
            Assert.That(settings.Registry, Is.Null, "probed");
            Assert.That(settings.TestMatrices, Is.EqualTo(new[] { "smoke", "smoke-v2" }));
            Assert.That(settings.AllowHostWrites, Is.False);
            Assert.That(settings.VmSnapshots, Is.True);
        });
    }

    [Test]
    public void Set_variables_are_taken()
    {
        var settings = HarnessSettings.Parse(new Dictionary<string, string>
        {
            ["SYSTEMD_MATRIX_CACHE"] = "/srv/cache",
            ["SYSTEMD_MATRIX_ACCEL"] = "kvm",
            ["SYSTEMD_MATRIX_REGISTRY"] = "off",
            ["SYSTEMD_MATRIX_TEST_MATRIX"] = " smoke , hosts ",
            ["SYSTEMD_MATRIX_ALLOW_HOST_WRITES"] = "1",
            ["SYSTEMD_MATRIX_MIRROR_DEBIAN"] = "http://mirror.example/debian",
            ["SYSTEMD_MATRIX_VM_SNAPSHOTS"] = "off",
        });

        Assert.Multiple(() =>
        {
            Assert.That(settings.Cache, Is.EqualTo("/srv/cache"));
            Assert.That(settings.Accelerator, Is.EqualTo("kvm"));
            Assert.That(settings.Registry, Is.False);
            Assert.That(settings.TestMatrices, Is.EqualTo(new[] { "smoke", "hosts" }));
            Assert.That(settings.AllowHostWrites, Is.True);
            Assert.That(settings.MirrorDebian, Is.EqualTo("http://mirror.example/debian"));
            Assert.That(settings.VmSnapshots, Is.False);
        });
    }

    [Test]
    public void Every_unusable_or_unknown_variable_is_named_at_once()
    {
        var ex = Assert.Throws<SettingsException>(() => HarnessSettings.Parse(new Dictionary<string, string>
        {
            ["SYSTEMD_MATRIX_CACHE"] = "cache",
            ["SYSTEMD_MATRIX_ACCEL"] = "hvf",
            ["SYSTEMD_MATRIX_REGISTRY"] = "maybe",
            ["SYSTEMD_MATRIX_VM_SNAPSHOTS"] = "no",
            ["SYSTEMD_MATRIX_MIRROR_UBUNTU"] = "ftp://old.example",
            ["SYSTEMD_MATRIX_CAHCE"] = "/srv/cache",
        }));

        Assert.That(ex!.Message.Split('\n'), Is.EquivalentTo(new[]
        {
            "SYSTEMD_MATRIX_CACHE=cache: not an absolute path",
            "SYSTEMD_MATRIX_ACCEL=hvf: not one of kvm, tcg",
            "SYSTEMD_MATRIX_REGISTRY=maybe: not one of on, off",
            "SYSTEMD_MATRIX_VM_SNAPSHOTS=no: not one of on, off",
            "SYSTEMD_MATRIX_MIRROR_UBUNTU=ftp://old.example: not an http or https address",
            $"SYSTEMD_MATRIX_CAHCE: not a variable the harness reads (known: {string.Join(", ", HarnessSettings.Variables.Select(v => v.Name))})",
        }));
    }

    [Test]
    public void The_settings_page_lists_every_variable_as_the_settings_record_does()
    {
        var section = Repo.DocSection("docs/settings.md", HarnessSettings.PageBegin, HarnessSettings.PageEnd);

        Assert.That(section, Is.EqualTo(HarnessSettings.ToMarkdown().TrimEnd('\n')), "replace the page's table with this");
    }

    [Test]
    public void Every_variable_the_code_names_is_in_the_settings_record()
    {
        var named = new[] { "src", "tests", "bench" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(Repo.Layout.Root, dir), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.EndsWith("HarnessSettingsTests.cs", StringComparison.Ordinal))
            .Append(Path.Combine(Repo.Layout.Root, "build.cake"))
            .SelectMany(f => VariableName().Matches(File.ReadAllText(f)).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.That(named, Is.Not.Empty);
        Assert.That(named, Is.SubsetOf(HarnessSettings.Variables.Select(v => v.Name)));
    }

    [GeneratedRegex("SYSTEMD_MATRIX_[A-Z][A-Z_]*[A-Z](?![A-Z_{])")]
    private static partial Regex VariableName();
}

using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Model;

public sealed class AxisNamesTests
{
    [Test]
    public void Every_value_of_every_axis_round_trips_through_its_name()
    {
        AssertRoundTrip<CgroupnsMode>();
        AssertRoundTrip<CgroupMount>();
        AssertRoundTrip<Privilege>();
        AssertRoundTrip<CgroupDriver>();
        AssertRoundTrip<HostCgroupMode>();
        AssertRoundTrip<HostKind>();
        AssertRoundTrip<VerdictKind>();
    }

    [Test]
    public void Unknown_names_do_not_parse()
    {
        Assert.That(AxisNames.TryParse<CgroupMount>("readonly", out _), Is.False);
    }

    [Test]
    public void Run_profile_key_names_every_axis()
    {
        var key = new RunProfile(CgroupnsMode.Private, CgroupMount.ReadWriteBind, Privilege.CapSysAdmin, Tmpfs: false).Key;

        Assert.That(key, Is.EqualTo("cgns-private_mount-rw_priv-sys-admin_tmpfs-off"));
    }

    [Test]
    public void Cells_are_equal_by_configuration_not_by_alias()
    {
        var a = new Cell("img", DaemonProfile.Default, RunProfile.Default, ["seed#1"]);
        var b = new Cell("img", DaemonProfile.Default, RunProfile.Default, []);

        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
    }

    private static void AssertRoundTrip<T>()
        where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            var name = value switch
            {
                CgroupnsMode v => AxisNames.Of(v),
                CgroupMount v => AxisNames.Of(v),
                Privilege v => AxisNames.Of(v),
                CgroupDriver v => AxisNames.Of(v),
                HostCgroupMode v => AxisNames.Of(v),
                HostKind v => AxisNames.Of(v),
                VerdictKind v => AxisNames.Of(v),
                _ => throw new InvalidOperationException(),
            };
            Assert.That(AxisNames.TryParse<T>(name, out var parsed), Is.True, $"{typeof(T).Name}.{value} as '{name}'");
            Assert.That(parsed, Is.EqualTo(value));
        }
    }
}

using SystemdMatrix.Matrix;
using SystemdMatrix.Model;

namespace SystemdMatrix.Tests.Matrix;

public sealed class CellSelectorTests
{
    private static readonly Cell HostRw = new("debian-bookworm", DaemonProfile.Default, new RunProfile(CgroupnsMode.Host, CgroupMount.ReadWriteBind, Privilege.None, true), ["seed#3"]);
    private static readonly Cell PrivateNone = new("seed-replica", DaemonProfile.Default, new RunProfile(CgroupnsMode.Private, CgroupMount.None, Privilege.None, false), []);

    [Test]
    public void Values_of_one_axis_are_alternatives_and_axes_must_all_match()
    {
        var selector = new CellSelector(["cgroupns=host", "cgroupns=private", "mount=rw"], []);

        Assert.That(selector.Selects(HostRw), Is.True);
        Assert.That(selector.Selects(PrivateNone), Is.False);
    }

    [Test]
    public void Image_tmpfs_and_alias_selection()
    {
        Assert.That(new CellSelector(["image=seed-replica", "tmpfs=off"], []).Selects(PrivateNone), Is.True);
        Assert.That(new CellSelector([], ["seed#3"]).Selects(HostRw), Is.True);
        Assert.That(new CellSelector([], ["seed#3"]).Selects(PrivateNone), Is.False);
        Assert.That(new CellSelector([], ["mount-rw"]).Selects(HostRw), Is.True);
    }

    [Test]
    public void Bad_terms_are_all_reported()
    {
        var problems = new CellSelector(["cgroupns=shared", "colour=blue", "mount"], []).Problems();

        Assert.That(problems, Has.Count.EqualTo(3));
        Assert.That(problems[0], Does.Contain("unknown cgroupns 'shared' (known: default, host, private)"));
        Assert.That(problems[1], Does.Contain("--where colour=blue: expected AXIS=VALUE"));
    }

    [Test]
    public void Exact_ids_select_that_cell_and_not_one_whose_id_merely_contains_it()
    {
        var withRemedy = PrivateNone with { Run = PrivateNone.Run with { Remedy = Remedy.UsernsHost } };
        var selector = new CellSelector([], []) { Ids = [PrivateNone.Id] };

        Assert.That(withRemedy.Id, Does.Contain(PrivateNone.Id), "the case this guards against");
        Assert.That(selector.Selects(PrivateNone), Is.True);
        Assert.That(selector.Selects(withRemedy), Is.False);
        Assert.That(selector.Canonical, Is.EqualTo("id:" + PrivateNone.Id));
    }
}

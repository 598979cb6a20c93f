# Request Tracker initialdata for backdesk's lead role (issue 11), loaded once by
# tests/rt/setup_rt.sh after initialdata.pl:
#   rt-setup-database-5 --action insert --skip-create --datafile tests/rt/initialdata_leads.pl
#
# The RT adapter counts members of the user-defined group "Leads" as leads. Leads also hold
# ReassignTicket, so RT itself lets them give a ticket someone else owns to another person;
# the operators (ana, ben) lack it, so RT refuses them that ("You can only reassign tickets
# that you own or that are unowned").

@Groups = (
    {   Name        => 'Leads',
        Description => 'Support leads: assign, move and prioritise tickets (backdesk)',
    },
);

# A queue only tests/rt/test_rt_triage.py writes to, so its health figures are the test's own.
@Queues = (
    {   Name        => 'Triage',
        Description => 'Queue health tests (backdesk)',
    },
);

@Users = (
    {   Name         => 'lee',
        RealName     => 'Lee Park',
        EmailAddress => 'lee@backdesk.invalid',
        Password     => 'lee-backdesk',
        Privileged   => 1,
        MemberOf     => 'Leads',
    },
);

@ACL = (
    {   GroupId     => 'Leads',
        GroupDomain => 'UserDefined',
        Right       => 'ReassignTicket',
    },
);

1;

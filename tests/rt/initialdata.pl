# Request Tracker initialdata for backdesk's RT tests and local development.
# Loaded once by tests/rt/setup_rt.sh with
#   rt-setup-database-5 --action insert --skip-create --datafile tests/rt/initialdata.pl

@Users = (
    {   Name         => 'ana',
        RealName     => 'Ana Ruiz',
        EmailAddress => 'ana@backdesk.invalid',
        Password     => 'ana-backdesk',
        Privileged   => 1,
    },
    {   Name         => 'ben',
        RealName     => 'Ben Okafor',
        EmailAddress => 'ben@backdesk.invalid',
        Password     => 'ben-backdesk',
        Privileged   => 1,
    },
);

@Queues = (
    {   Name        => 'Returns & Refunds',
        Description => 'Customer returns, refunds and exchanges',
    },
    {   Name        => 'Billing & Collections',
        Description => 'Invoices, failed payments and dunning',
    },
    # Uses the custom "backdesk" lifecycle from 90-backdesk.pm, so tests can set a
    # status the default lifecycle does not know ("awaiting-approval").
    {   Name        => 'Approvals',
        Description => 'Requests waiting for a manager',
        Lifecycle   => 'backdesk',
    },
);

# Global ticket custom fields: backdesk maps "Tags" to Task.tags and "Reference" to
# Task.reference; any other custom field shows up in Task.fields.
@CustomFields = (
    {   Name        => 'Tags',
        Type        => 'FreeformMultiple',
        LookupType  => 'RT::Queue-RT::Ticket',
        Description => 'Free-form labels (backdesk tag: filter)',
        ApplyTo     => 0,
    },
    {   Name        => 'Reference',
        Type        => 'FreeformSingle',
        LookupType  => 'RT::Queue-RT::Ticket',
        Description => 'Order or invoice number',
        ApplyTo     => 0,
    },
);

# Global rights for every privileged user (operators).
@ACL = map {
    {   GroupDomain => 'SystemInternal',
        GroupType   => 'Privileged',
        Right       => $_,
    }
} qw(
    SeeQueue ShowTicket CreateTicket OwnTicket TakeTicket StealTicket
    CommentOnTicket ReplyToTicket ModifyTicket ShowTicketComments
    SeeCustomField ModifyCustomField SeeGroup
);

1;

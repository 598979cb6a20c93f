# backdesk test data for Redmine 5.0 (run by tests/redmine/setup_redmine.sh through
# `rails runner` as www-data). Idempotent: every record is found or created, then set.
#
#   ana, ben  operators (role "Operator": assignable, private notes, full workflow)
#   lee       a lead (role "Lead": the operator's rights; backdesk counts a Lead as a lead)
#   vic       a requester (role "Requester": may not see or set private notes, is not
#             assignable, has no status transitions and may not edit the priority)
#   projects  returns "Returns & Refunds", billing "Billing & Collections" (private)
#   fields    Reference (text), Tags (list, multiple), Resolution (list)

Setting.rest_api_enabled = '1'
Setting.default_language = 'en'

# API keys must be letters and digits only: Redmine ignores any other key.
USERS = {
  'ana' => ['Ana', 'Ruiz', 'ana-backdesk', 'anabackdeskapikey'],
  'ben' => ['Ben', 'Okafor', 'ben-backdesk', 'benbackdeskapikey'],
  'vic' => ['Vic', 'Adler', 'vic-backdesk', 'vicbackdeskapikey'],
  'lee' => ['Lee', 'Park', 'lee-backdesk', 'leebackdeskapikey'],
}

users = USERS.to_h do |login, (first, last, password, key)|
  user = User.find_by_login(login) || User.new
  user.login = login
  user.firstname = first
  user.lastname = last
  user.mail = "#{login}@backdesk.test"
  user.language = 'en'
  user.status = User::STATUS_ACTIVE
  user.must_change_passwd = false
  user.password = password
  user.password_confirmation = password
  user.save!
  token = Token.find_by(user_id: user.id, action: 'api') || Token.new(user: user, action: 'api')
  token.value = key
  token.save!
  [login, user]
end

trackers = Tracker.order(:position).to_a
statuses = IssueStatus.order(:position).to_a

def role(name, permissions, assignable)
  role = Role.find_by(name: name) || Role.new(name: name)
  role.permissions = permissions
  role.assignable = assignable
  role.issues_visibility = 'all'
  role.users_visibility = 'all'
  role.save!
  role
end

operator = role('Operator', %i[view_issues add_issues edit_issues add_issue_notes set_notes_private
                               view_private_notes view_members], true)
lead = role('Lead', %i[view_issues add_issues edit_issues add_issue_notes set_notes_private
                       view_private_notes view_members], true)
requester = role('Requester', %i[view_issues add_issues edit_issues add_issue_notes view_members], false)

# Operators and leads may move an issue from any status to any other; requesters may only create
# issues as New (so a status change they send is silently ignored by Redmine). Rewritten in
# one transaction, so a running Redmine never sees the roles without their workflows.
ActiveRecord::Base.transaction do
  WorkflowRule.where(role_id: [operator.id, lead.id, requester.id]).delete_all
  trackers.each do |tracker|
    ([0] + statuses.map(&:id)).each do |old_id|
      statuses.each do |new_status|
        next if old_id == new_status.id
        [operator, lead].each do |full|
          WorkflowTransition.create!(role_id: full.id, tracker_id: tracker.id,
                                     old_status_id: old_id, new_status_id: new_status.id)
        end
      end
    end
    WorkflowTransition.create!(role_id: requester.id, tracker_id: tracker.id,
                               old_status_id: 0, new_status_id: statuses.first.id)
    statuses.each do |status|
      WorkflowPermission.create!(role_id: requester.id, tracker_id: tracker.id, old_status_id: status.id,
                                 field_name: 'priority_id', rule: 'readonly')
    end
  end
end

def field(name, attributes)
  field = IssueCustomField.find_by(name: name) || IssueCustomField.new(name: name)
  field.assign_attributes(attributes.merge(is_for_all: true, visible: true, editable: true))
  field.trackers = Tracker.all
  field.save!
  field
end

field('Reference', field_format: 'string', searchable: true, is_filter: true)
field('Tags', field_format: 'list', multiple: true, is_filter: true,
              possible_values: %w[vip fragile chargeback escalated follow-up])
field('Resolution', field_format: 'list', is_filter: true, possible_values: %w[done rejected duplicate])

{ 'returns' => 'Returns & Refunds', 'billing' => 'Billing & Collections' }.each do |identifier, name|
  project = Project.find_by(identifier: identifier) || Project.new(identifier: identifier)
  project.name = name
  project.description = "backdesk test queue: #{name}"
  project.is_public = false
  project.trackers = trackers
  project.enabled_module_names = %w[issue_tracking]
  project.save!
  { 'ana' => operator, 'ben' => operator, 'vic' => requester, 'lee' => lead }.each do |login, role|
    member = Member.find_by(project: project, user: users[login]) || Member.new(project: project, principal: users[login])
    member.roles = [role]
    member.save!
  end
end

puts "backdesk seed: users #{USERS.keys.join(', ')}; projects returns, billing"
